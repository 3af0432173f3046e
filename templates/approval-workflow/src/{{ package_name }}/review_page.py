"""HTML for the reviewer page: plain server-rendered forms, no JavaScript, every value escaped."""

from __future__ import annotations

import json
from collections.abc import Collection
from html import escape

from . import PROJECT_NAME
from .proposals import Proposal

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
.card { border: 1px solid #d0d0d7; border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.risk { font-weight: 600; padding: 0 .4rem; border-radius: 4px; }
.risk-low { background: #e3f5e1; } .risk-medium { background: #fff1c2; } .risk-high { background: #ffd9d6; }
.error { background: #ffd9d6; padding: .6rem 1rem; border-radius: 6px; }
.notice { background: #e3f5e1; padding: .6rem 1rem; border-radius: 6px; }
textarea { width: 100%; min-height: 3rem; } form.inline { display: inline-block; margin-right: .5rem; }
dt { font-weight: 600; } dd { margin: 0 0 .4rem 0; } code { background: #f2f2f5; padding: 0 .2rem; }
"""


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - {escape(PROJECT_NAME)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _message(error: str = "", notice: str = "") -> str:
    if error:
        return f"<p class='error' role='alert'>{escape(error)}</p>"
    return f"<p class='notice'>{escape(notice)}</p>" if notice else ""


def login_page(error: str = "") -> str:
    form = (
        "<form method='post' action='/review/login'>"
        "<label>API key with the <code>approve</code> scope "
        "<input type='password' name='api_key' autocomplete='off' required></label> "
        "<button type='submit'>Sign in</button></form>"
    )
    return _page("Reviewer sign-in", _message(error) + form)


def queue_page(
    reviewer: str,
    csrf_token: str,
    pending: list[Proposal],
    *,
    note_required_for: Collection[str] = ("high",),
    error: str = "",
    notice: str = "",
) -> str:
    csrf = f"<input type='hidden' name='csrf_token' value='{escape(csrf_token)}'>"
    header = (
        f"<div>Signed in as <strong>{escape(reviewer)}</strong>. "
        f"<form class='inline' method='post' action='/review/logout'>{csrf}<button>Sign out</button></form></div>"
    )
    cards = "".join(_card(p, reviewer, csrf, p.risk in note_required_for) for p in pending)
    cards = cards or "<p>No proposals are waiting.</p>"
    title = f"Pending proposals ({len(pending)})"
    return _page(title, header + _message(error, notice) + cards)


def _card(proposal: Proposal, reviewer: str, csrf: str, note_required: bool) -> str:
    pid = escape(proposal.id)
    params = "".join(
        f"<dt>{escape(key)}</dt><dd><code>{escape(json.dumps(value))}</code></dd>"
        for key, value in proposal.params.items()
    )
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in proposal.risk_reasons)
    note_hint, required = ("required", " required") if note_required else ("optional", "")
    own = proposal.proposed_by == reviewer
    approve = (
        "<p><em>You proposed this, so another approver must decide it.</em></p>"
        if own
        else (
            f"<form class='inline' method='post' action='/review/{pid}/approve'>{csrf}"
            f"<label>Note ({note_hint})<textarea name='note'{required}></textarea></label>"
            "<button type='submit'>Approve</button></form>"
        )
    )
    reject = (
        f"<form class='inline' method='post' action='/review/{pid}/reject'>{csrf}"
        "<input type='hidden' name='note' value=''><button type='submit'>Reject</button></form>"
    )
    return (
        f"<section class='card' id='{pid}'><h2><code>{escape(proposal.action)}</code> "
        f"<span class='risk risk-{escape(proposal.risk)}'>{escape(proposal.risk)} risk</span></h2>"
        f"<p>{pid} · proposed by {escape(proposal.proposed_by)} · expires {escape(proposal.expires_at)}</p>"
        f"<dl>{params}</dl><h3>Why the rules chose this risk</h3><ul>{reasons}</ul>"
        f"<h3>Drafted rationale</h3><p>{escape(proposal.rationale)}</p>"
        f"<details><summary>Context</summary><pre>{escape(proposal.context)}</pre></details>"
        f"{approve}{reject}</section>"
    )
