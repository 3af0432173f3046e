"""HTML for the reviewer page: plain server-rendered forms, no JavaScript, every value escaped.

The queue filters by state, risk, action and escalation; a proposal's page shows the request,
the proposed action, the risk score with its reasons, the rationale with the evidence it cites,
a diff of what executing would change, the approvals so far and the history, and the forms to
approve, request changes or reject (the last two need a reason). Sign-in, sessions, CSRF and the
page shell are the platform's reviewer pages (`platform/reviewer_web.py`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from html import escape
from urllib.parse import urlencode

from .actions import Change
from .platform.identity import canonical_identity
from .platform.reviewer_sessions import ReviewerSession
from .platform.reviewer_web import ReviewerSignIn, csrf_field, message, page
from .proposals import Proposal, State

STYLE = """
.card { border: 1px solid #d0d0d7; border-radius: 8px; padding: 1rem 1.2rem; margin: 1rem 0; }
.risk { font-weight: 600; padding: 0 .4rem; border-radius: 4px; }
.risk-low { background: #e3f5e1; } .risk-medium { background: #fff1c2; } .risk-high { background: #ffd9d6; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; }
tr + tr td { border-top: 1px solid #e4e4ea; } del { background: #ffe3e0; } ins { background: #dff5dc; }
form.filters label { margin-right: .8rem; } dt { font-weight: 600; } dd { margin: 0 0 .4rem 0; }
code { background: #f2f2f5; padding: 0 .2rem; } .muted { color: #6b6b76; }
"""
FILTER_STATES = [State.PENDING_REVIEW, State.CHANGES_REQUESTED, State.APPROVED, State.EXECUTED, State.FAILED,
                 State.REJECTED, State.EXPIRED, State.AUTO_APPROVED, State.ROLLED_BACK]  # fmt: skip
SIGN_IN = ReviewerSignIn(
    cookie="review_session",
    table="reviewer_sessions",
    title="Reviewer sign-in",
    store=lambda request: (request.app.state.service.db, request.app.state.service.clock),
    home_label="Back to the queue",
    style=STYLE,
)


def _risk(proposal: Proposal) -> str:
    risk = escape(proposal.risk)
    return f"<span class='risk risk-{risk}'>{risk} risk · score {proposal.risk_score}</span>"


def queue_page(
    session: ReviewerSession,
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
    return page(title, SIGN_IN.signed_in_bar(session) + message(notice=notice) + form + table, style=STYLE)


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
    session: ReviewerSession,
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
        SIGN_IN.signed_in_bar(session)
        + message(error, notice)
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
        + _decision_forms(proposal, session, note_required)
        + f"<h3>History</h3><table class='history'>{history}</table></section>"
    )
    return page(f"Proposal {proposal.id}", body, style=STYLE)


def _decision_forms(proposal: Proposal, session: ReviewerSession, note_required: bool) -> str:
    pid = escape(proposal.id)
    me = canonical_identity(session.client_id)
    csrf = csrf_field(session.csrf_token)
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
            f"<form class='inline decide' method='post' action='/review/{pid}/approve'>{csrf}"
            f"<label>Approval note ({note_hint})<textarea name='note'{required}></textarea></label>"
            "<button type='submit'>Approve</button></form>"
        )
    changes = (
        ""
        if mine or proposal.state != State.PENDING_REVIEW
        else f"<form class='inline decide' method='post' action='/review/{pid}/request_changes'>{csrf}"
        "<label>What should change (required)<textarea name='note' required></textarea></label>"
        "<button type='submit'>Request changes</button></form>"
    )
    reject = (
        f"<form class='inline decide' method='post' action='/review/{pid}/reject'>{csrf}"
        "<label>Reason for rejecting (required)<textarea name='note' required></textarea></label>"
        "<button type='submit'>Reject</button></form>"
    )
    return f"<h3>Decide</h3>{approve}{changes}{reject}"


def filter_query(filters: Mapping[str, str]) -> str:
    chosen = {name: value for name, value in filters.items() if value}
    return f"?{urlencode(chosen)}" if chosen else ""
