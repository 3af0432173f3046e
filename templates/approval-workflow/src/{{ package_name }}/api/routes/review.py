"""The reviewer page: a filtered queue, one page per proposal, approve / request changes / reject.

Sign-in, the session cookie, CSRF, refused cross-origin posts and the per-request re-check of the
session's client against the current client configuration are the platform's reviewer pages
(`platform/reviewer_web.py`), the same as copilot's claim review page.
"""

import re
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from ...platform.reviewer_sessions import ReviewerSession
from ...platform.reviewer_web import FormDep, html, redirect
from ...proposals import ApprovalError, State
from ...review_page import SIGN_IN, detail_page, queue_page
from ...service import ProposalService
from ..deps import ProposalServiceDep

router = APIRouter(prefix="/review", tags=["review"], include_in_schema=False)
router.include_router(SIGN_IN.router)  # POST /review/login, /review/logout
DONE = re.compile(r"(approved|rejected|request_changes)")  # only our own redirect may show a notice
NOTICES = {"approved": "Approval recorded.", "rejected": "Rejected.", "request_changes": "Changes requested."}


@router.get("")
def review_queue(
    request: Request,
    service: ProposalServiceDep,
    state: str = "pending_review",
    risk: str = "",
    action: str = "",
    escalated: str = "",
    done: str = "",
) -> HTMLResponse:
    try:
        session = SIGN_IN.session(request)
    except HTTPException as error:
        return SIGN_IN.signed_out(request, error)
    filters = {"state": state, "risk": risk, "action": action, "escalated": escalated}
    try:
        states = [State(state)] if state else None
    except ValueError:
        states, filters["state"] = None, ""
    proposals = service.store.search(
        states=states,
        risk=risk if risk in ("low", "medium", "high") else None,
        action=action if action in service.registry.names() else None,
        escalated={"yes": True, "no": False}.get(escalated),
        limit=200,
    )
    notice = NOTICES.get(done, "") if DONE.fullmatch(done) else ""
    actions = service.registry.names()
    return html(queue_page(session, proposals, filters=filters, actions=actions, notice=notice))


def _detail(
    service: ProposalService, session: ReviewerSession, proposal_id: str, *, error: str = "", notice: str = ""
) -> str:
    proposal = service.get(proposal_id)
    return detail_page(
        session,
        proposal,
        service.changes(proposal),
        service.store.events(proposal_id),
        note_required=proposal.risk in service.rules.note_required_for,
        error=error,
        notice=notice,
    )


@router.get("/{proposal_id}")
def review_detail(proposal_id: str, request: Request, service: ProposalServiceDep, done: str = "") -> HTMLResponse:
    try:
        session = SIGN_IN.session(request)
    except HTTPException as error:
        return SIGN_IN.signed_out(request, error)
    try:
        notice = NOTICES.get(done, "") if DONE.fullmatch(done) else ""
        return html(_detail(service, session, proposal_id, notice=notice))
    except ApprovalError as error:
        return SIGN_IN.message_page("Not found", error.detail, error.status)


@router.post("/{proposal_id}/{decision}")
def decide(
    proposal_id: str,
    decision: Literal["approve", "reject", "request_changes"],
    request: Request,
    form: FormDep,
    service: ProposalServiceDep,
) -> Response:
    session = SIGN_IN.checked(request, form)
    note = form.get("note", "")
    try:
        if decision == "approve":
            service.approve(proposal_id, actor=session.client_id, note=note)
        elif decision == "reject":
            service.reject(proposal_id, actor=session.client_id, note=note)
        else:
            service.request_changes(proposal_id, actor=session.client_id, note=note)
    except ApprovalError as error:
        try:
            return html(_detail(service, session, proposal_id, error=error.detail), error.status)
        except ApprovalError:
            return SIGN_IN.message_page("Not found", error.detail, error.status)
    outcome = {"approve": "approved", "reject": "rejected", "request_changes": "request_changes"}[decision]
    return redirect(f"/review/{proposal_id}?done={outcome}")
