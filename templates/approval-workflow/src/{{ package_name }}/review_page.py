"""HTML for the reviewer page: plain server-rendered forms, no JavaScript, every value escaped.

The queue filters by state, risk, action and escalation; a proposal's page shows the request,
the proposed action, the risk score with its reasons, the rationale with the evidence it cites,
a diff of what executing would change, the approvals so far and the history, and the forms to
approve, request changes or reject (the last two need a reason).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from html import escape
from urllib.parse import urlencode

from . import PROJECT_NAME
from .actions import Change
from .platform.identity import canonical_identity
from .proposals import Proposal, State

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
.card { border: 1px solid #d0d0d7; border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.risk { font-weight: 600; padding: 0 .4rem; border-radius: 4px; }
.risk-low { background: #e3f5e1; } .risk-medium { background: #fff1c2; } .risk-high { background: #ffd9d6; }
.error { background: #ffd9d6; padding: .6rem 1rem; border-radius: 6px; }
.notice { background: #e3f5e1; padding: .6rem 1rem; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; }
tr + tr td { border-top: 1px solid #e4e4ea; } del { background: #ffe3e0; } ins { background: #dff5dc; }
textarea { width: 100%; min-height: 3rem; } form.inline { display: inline-block; margin-right: .5rem; }
form.filters label { margin-right: .8rem; } dt { font-weight: 600; } dd { margin: 0 0 .4rem 0; }
code { background: #f2f2f5; padding: 0 .2rem; } .muted { color: #6b6b76; }
"""
FILTER_STATES = [State.PENDING_REVIEW, State.CHANGES_REQUESTED, State.APPROVED, State.EXECUTED, State.FAILED,
                 State.REJECTED, State.EXPIRED, State.AUTO_APPROVED, State.ROLLED_BACK]  # fmt: skip


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)} - {escape(PROJECT_NAME)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _message(error: str = "", notice: str = "") -> str:
    if error:
        return f"<p class='error' role='alert'>{escape(error)}</p>"
    return f"<p class='notice' role='status'>{escape(notice)}</p>" if notice else ""


def login_page(error: str = "") -> str:
    form = (
        "<form method='post' action='/review/login'>"
        "<label>API key with the <code>approve</code> scope "
        "<input type='password' name='api_key' autocomplete='off' required></label> "
        "<button type='submit'>Sign in</button></form>"
    )
    return _page("Reviewer sign-in", _message(error) + form)


def message_page(title: str, error: str) -> str:
    return _page(title, _message(error) + "<p><a href='/review'>Back to the queue</a></p>")


def _header(reviewer: str, csrf: str) -> str:
    return (
        f"<div>Signed in as <strong>{escape(reviewer)}</strong>. <a href='/review'>Queue</a> "
        f"<form class='inline' method='post' action='/review/logout'>{_csrf(csrf)}"
        "<button>Sign out</button></form></div>"
    )


def _csrf(token: str) -> str:
    return f"<input type='hidden' name='csrf_token' value='{escape(token)}'>"


def _risk(proposal: Proposal) -> str:
    risk = escape(proposal.risk)
    return f"<span class='risk risk-{risk}'>{risk} risk · score {proposal.risk_score}</span>"


def queue_page(
    reviewer: str,
    csrf_token: str,
    proposals: list[Proposal],
    *,
    filters: Mapping[str, str],
    actions: Collection[str],
    notice: str = "",
) -> str:
    def select(name: str, options: list[str], label: str) -> str:
        chosen = filters.get(name, "")
        items = "".join(
            f"<option value='{escape(value)}'{' selected' if value == chosen else ''}>{escape(value or 'any')}</option>"
            for value in ["", *options]
        )
        return f"<label>{label} <select name='{name}'>{items}</select></label>"

    form = (
        "<form class='filters' method='get' action='/review'>"
        + select("state", [str(state) for state in FILTER_STATES], "State")
        + select("risk", ["low", "medium", "high"], "Risk")
        + select("action", sorted(actions), "Action")
        + select("escalated", ["yes", "no"], "Escalated")
        + "<button type='submit'>Filter</button></form>"
    )
    rows = "".join(_queue_row(proposal) for proposal in proposals)
    table = (
        "<table><thead><tr><th>Proposal</th><th>Action</th><th>Risk</th><th>State</th><th>Approvals</th>"
        f"<th>Requested by</th><th>Review due</th></tr></thead><tbody>{rows}</tbody></table>"
        if proposals
        else "<p>No proposals match.</p>"
    )
    state = filters.get("state", "")
    title = f"{'Pending proposals' if state == State.PENDING_REVIEW else 'Proposals'} ({len(proposals)})"
    return _page(title, _header(reviewer, csrf_token) + _message(notice=notice) + form + table)


def _queue_row(proposal: Proposal) -> str:
    pid = escape(proposal.id)
    escalated = f" · escalated to {escape(proposal.escalated_to)}" if proposal.escalated_to else ""
    return (
        f"<tr id='{pid}'><td><a href='/review/{pid}'>{pid}</a></td><td><code>{escape(proposal.action)}</code></td>"
        f"<td>{_risk(proposal)}</td><td>{escape(proposal.state)}</td>"
        f"<td>{len(proposal.approvals)} of {proposal.approvals_required}</td>"
        f"<td>{escape(proposal.requested_by)}</td>"
        f"<td>{escape(proposal.review_due_at or '')}{escalated}</td></tr>"
    )


def detail_page(
    reviewer: str,
    csrf_token: str,
    proposal: Proposal,
    changes: list[Change],
    events: list[dict[str, str]],
    *,
    note_required: bool,
    error: str = "",
    notice: str = "",
) -> str:
    pid = escape(proposal.id)
    params = "".join(
        f"<dt>{escape(key)}</dt><dd><code>{escape(json.dumps(value, ensure_ascii=False))}</code></dd>"
        for key, value in proposal.params.items()
    )
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in proposal.risk_reasons)
    evidence = "".join(
        f"<li id='evidence-{escape(item['tag'])}'><strong>[{escape(item['tag'])}]</strong> "
        f"<span class='muted'>{escape(item['title'])} ({escape(item['id'])})</span><br>{escape(item['text'])}</li>"
        for item in proposal.evidence
    )
    diff = "".join(
        f"<tr><td>{escape(change.what)}</td><td><del>{escape(change.before)}</del></td>"
        f"<td><ins>{escape(change.after)}</ins></td></tr>"
        for change in changes
    )
    approvals = "".join(f"<li>{escape(a.approver)} at {escape(a.at)}</li>" for a in proposal.approvals)
    history = "".join(
        f"<tr><td>{escape(event['at'])}</td><td>{escape(event['action'])}</td>"
        f"<td>{escape(event['from_state'])} → {escape(event['to_state'])}</td><td>{escape(event['actor'])}</td>"
        f"<td>{escape(event['note'])}</td></tr>"
        for event in events
    )
    body = (
        _header(reviewer, csrf_token)
        + _message(error, notice)
        + f"<section class='card' id='{pid}'><h2><code>{escape(proposal.action)}</code> {_risk(proposal)}</h2>"
        f"<p>{pid} · <strong>{escape(proposal.state)}</strong> · requested by {escape(proposal.requested_by)}"
        f" · proposed by {escape(proposal.proposed_by)} ({escape(proposal.proposer)},"
        f" confidence {proposal.confidence:.2f}) · expires {escape(proposal.expires_at)}</p>"
        + (f"<h3>Request</h3><blockquote>{escape(proposal.request_text)}</blockquote>" if proposal.request_text else "")
        + f"<h3>Parameters</h3><dl>{params}</dl>"
        f"<h3>What executing will change</h3><table class='diff'><thead><tr><th>What</th><th>Now</th><th>After</th>"
        f"</tr></thead><tbody>{diff or '<tr><td colspan=3>No preview for this action.</td></tr>'}</tbody></table>"
        f"<h3>Why the rules chose this risk</h3><ul class='reasons'>{reasons}</ul>"
        f"<h3>Rationale</h3><p class='rationale'>{escape(proposal.rationale)}</p>"
        f"<h3>Evidence</h3><ol class='evidence'>{evidence or '<li>None found.</li>'}</ol>"
        + (
            f"<details><summary>Context</summary><pre>{escape(proposal.context)}</pre></details>"
            if proposal.context
            else ""
        )
        + f"<h3>Approvals ({len(proposal.approvals)} of {proposal.approvals_required})</h3><ul>{approvals}</ul>"
        + _decision_forms(proposal, reviewer, csrf_token, note_required)
        + f"<h3>History</h3><table class='history'>{history}</table></section>"
    )
    return _page(f"Proposal {proposal.id}", body)


def _decision_forms(proposal: Proposal, reviewer: str, csrf: str, note_required: bool) -> str:
    pid = escape(proposal.id)
    me = canonical_identity(reviewer)
    if proposal.state not in (State.PENDING_REVIEW, State.CHANGES_REQUESTED):
        return ""
    mine = me in {canonical_identity(proposal.requested_by), canonical_identity(proposal.proposed_by)}
    approved = me in {canonical_identity(name) for name in proposal.approved_by}
    note_hint, required = ("required", " required") if note_required else ("optional", "")
    if proposal.state != State.PENDING_REVIEW:
        approve = ""
    elif mine:
        approve = "<p><em>You requested or proposed this, so other approvers must decide it.</em></p>"
    elif approved:
        approve = "<p><em>You approved this; another approver must approve it too.</em></p>"
    else:
        approve = (
            f"<form class='inline decide' method='post' action='/review/{pid}/approve'>{_csrf(csrf)}"
            f"<label>Approval note ({note_hint})<textarea name='note'{required}></textarea></label>"
            "<button type='submit'>Approve</button></form>"
        )
    changes = (
        ""
        if mine or proposal.state != State.PENDING_REVIEW
        else f"<form class='inline decide' method='post' action='/review/{pid}/request_changes'>{_csrf(csrf)}"
        "<label>What should change (required)<textarea name='note' required></textarea></label>"
        "<button type='submit'>Request changes</button></form>"
    )
    reject = (
        f"<form class='inline decide' method='post' action='/review/{pid}/reject'>{_csrf(csrf)}"
        "<label>Reason for rejecting (required)<textarea name='note' required></textarea></label>"
        "<button type='submit'>Reject</button></form>"
    )
    return f"<h3>Decide</h3>{approve}{changes}{reject}"


def filter_query(filters: Mapping[str, str]) -> str:
    chosen = {name: value for name, value in filters.items() if value}
    return f"?{urlencode(chosen)}" if chosen else ""
