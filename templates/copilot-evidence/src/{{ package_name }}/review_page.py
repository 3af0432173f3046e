"""HTML for the claim review page: server-rendered forms, no JavaScript, every value escaped.

Citations are links that open the source at the quoted span; unsupported and stale claims
are highlighted with their reasons; the gap list comes first; each claim has accept, edit and
reject forms that post the session's CSRF token. Sign-in, sessions, CSRF and the page shell are
the platform's reviewer pages (`platform/reviewer_web.py`).
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from .platform.reviewer_sessions import ReviewerSession
from .platform.reviewer_web import ReviewerSignIn, csrf_field, message, page
from .records import Claim, Draft, LedgerEvent, SourceVersion

STYLE = """
.claim { border-left: 4px solid #7bc47f; padding: .4rem .8rem; margin: .6rem 0; background: #f7fbf7; }
.claim.unsupported { border-color: #d9534f; background: #ffe9e6; }
.claim.stale { border-color: #e0a800; background: #fff6d6; }
.status { font-weight: 600; font-size: .85rem; padding: 0 .4rem; border-radius: 4px; background: #e3f5e1; }
.unsupported .status { background: #ffd9d6; } .stale .status { background: #ffe9a8; }
.gaps { background: #fff1c2; padding: .6rem 1rem; border-radius: 6px; }
textarea { min-height: 2.5rem; }
.review-rejected { opacity: .6; } .review-rejected .text { text-decoration: line-through; }
mark { background: #ffe58a; } pre { white-space: pre-wrap; } .reasons { color: #8a1f11; font-size: .9rem; }
"""
SIGN_IN = ReviewerSignIn(
    cookie="copilot_review",
    table="review_sessions",
    title="Claim review sign-in",
    store=lambda request: (request.app.state.service.ledger.db, request.app.state.service.clock),
    home_label="All drafts",
    style=STYLE,
)


def drafts_page(session: ReviewerSession, drafts: list[tuple[str, str, str]]) -> str:
    items = "".join(
        f"<li><a href='/review/drafts/{escape(did)}'>{escape(title)}</a> <code>{escape(did)}</code> {escape(at)}</li>"
        for did, title, at in drafts
    )
    listing = f"<ul>{items}</ul>" if items else "<p>No drafts yet.</p>"
    return page("Drafts", SIGN_IN.signed_in_bar(session) + listing, style=STYLE)


def source_link(claim: Claim, index: int) -> str:
    ev = claim.evidence[index]
    query = urlencode({"version": ev.version, "start": ev.start, "end": ev.end})
    role = "cited" if ev.cited else "corroborating"
    return (
        f"<a class='citation' href='/review/sources/{escape(ev.source_id)}?{escape(query)}#span' "
        f"title='{escape(role)}: {escape(ev.quote[:200])}'>[{escape(ev.source_id)}]</a>"
    )


def _claim(draft: Draft, claim: Claim, csrf: str) -> str:
    cid = escape(claim.id)
    base = f"/review/drafts/{escape(draft.id)}/claims/{cid}"
    links = " ".join(source_link(claim, i) for i in range(len(claim.evidence))) or "<em>no supporting span</em>"
    reasons = "".join(f"<li>{escape(reason)}</li>" for reason in claim.reasons)
    reviewed = f" · {escape(claim.review)} by {escape(claim.reviewed_by)}" if claim.reviewed_by else ""
    version = f"<input type='hidden' name='version' value='{draft.version}'>"
    accept = (
        f"<form class='inline' method='post' action='{base}/accept'>{csrf}{version}<button>Accept</button></form>"
        if claim.status == "supported" and claim.review not in ("accepted", "rejected")
        else ""
    )
    reject = (
        f"<form class='inline' method='post' action='{base}/reject'>{csrf}{version}<button>Reject</button></form>"
        if claim.review != "rejected"
        else ""
    )
    edit = (
        f"<details><summary>Edit</summary><form method='post' action='{base}/edit'>{csrf}{version}"
        f"<label>New text for {cid}<textarea name='text' required>{escape(claim.text)}</textarea></label>"
        "<button>Save edit</button></form></details>"
    )
    return (
        f"<article class='claim {escape(claim.status)} review-{escape(claim.review)}' id='claim-{cid}'>"
        f"<p><span class='status'>{escape(claim.status)}</span> <code>{cid}</code>{reviewed}</p>"
        f"<p class='text'>{escape(claim.text)} {links}</p>"
        f"{f'<ul class=reasons>{reasons}</ul>' if reasons else ''}{accept}{reject}{edit}</article>"
    )


def draft_page(
    session: ReviewerSession, draft: Draft, events: list[LedgerEvent], *, error: str = "", notice: str = ""
) -> str:
    csrf = csrf_field(session.csrf_token)
    summary = (
        f"<p><code>{escape(draft.id)}</code> · version {draft.version} · status <strong>{escape(draft.status)}</strong>"
        f" · {escape(draft.prompt_version)} · evidence rules {escape(draft.policy_version)}</p>"
    )
    gaps = "".join(
        f"<li><a href='#req-{escape(r.id)}'>{escape(r.id)}</a>: {escape(r.text)}</li>"
        for r in draft.requirements
        if r.id in draft.gaps
    )
    gap_box = (
        f"<section class='gaps' id='gaps'><h2>Gaps ({len(draft.gaps)})</h2><ul>{gaps}</ul></section>" if gaps else ""
    )
    sections = []
    for requirement in draft.requirements:
        claims = [c for c in draft.claims if c.requirement_id == requirement.id]
        body = "".join(_claim(draft, c, csrf) for c in claims) or "<p><em>No claim drafted.</em></p>"
        sections.append(
            f"<section id='req-{escape(requirement.id)}'><h2>{escape(requirement.id)}: {escape(requirement.text)}</h2>"
            f"{body}</section>"
        )
    history = "".join(
        f"<li>v{e.version} {escape(e.at)} {escape(e.actor)}: {escape(e.kind)} {escape(e.action)} {escape(e.claim_id)}"
        f" (audit #{e.audit_seq})</li>"
        for e in events
    )
    body = SIGN_IN.signed_in_bar(session) + message(error, notice) + summary + gap_box + "".join(sections)
    return page(draft.title, body + f"<h2>Ledger</h2><ol class='ledger'>{history}</ol>", style=STYLE)


def source_page(source: SourceVersion, start: int, end: int, current: bool) -> str:
    text = source.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    shown = (
        f"{escape(text[:start])}<mark id='span'>{escape(text[start:end])}</mark>{escape(text[end:])}"
        if start < end
        else escape(text)
    )
    note = (
        ""
        if current
        else "<p class='error' role='alert'>A newer version of this source exists: claims citing it are stale.</p>"
    )
    version = escape(source.version[:12])
    head = f"<p><code>{escape(source.id)}</code> version <code>{version}</code> · characters {start}-{end}</p>"
    return page(source.title, note + head + f"<pre>{shown}</pre>", style=STYLE)
