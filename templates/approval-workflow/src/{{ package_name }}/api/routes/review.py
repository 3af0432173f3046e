"""The reviewer page: a filtered queue, one page per proposal, approve / request changes / reject.

Forms post back a per-session CSRF token; the session cookie is HttpOnly and SameSite=Strict,
and a cross-origin `Origin` header is refused, so another site cannot make a signed-in
reviewer's browser decide anything. Every request re-checks the session's client against the
current client configuration (see `review_sessions.py`).
"""

import re
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...platform.errors import AuthError
from ...proposals import ApprovalError, State
from ...review_page import detail_page, login_page, message_page, queue_page
from ...review_sessions import SESSION_TTL, ReviewerSession, ReviewerSessions, SessionRevoked
from ...service import ProposalService
from ..deps import ProposalServiceDep

router = APIRouter(prefix="/review", tags=["review"], include_in_schema=False)
COOKIE = "review_session"
MAX_FORM_BYTES = 16_384
DONE = re.compile(r"(approved|rejected|request_changes)")  # only our own redirect may show a notice
NOTICES = {"approved": "Approval recorded.", "rejected": "Rejected.", "request_changes": "Changes requested."}
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


async def form_fields(request: Request) -> dict[str, str]:
    """Parse a urlencoded form body (no multipart needed) after refusing cross-origin posts."""
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-origin form post refused")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"form is larger than {MAX_FORM_BYTES} bytes")
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def get_sessions(request: Request, service: ProposalServiceDep) -> ReviewerSessions:
    sessions = getattr(request.app.state, "reviewer_sessions", None)
    if sessions is None or sessions.db is not service.db:
        sessions = request.app.state.reviewer_sessions = ReviewerSessions(service.db, service.clock)
    return sessions


FormDep = Annotated[dict[str, str], Depends(form_fields)]
SessionsDep = Annotated[ReviewerSessions, Depends(get_sessions)]


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=SECURITY_HEADERS)


def current_session(request: Request, sessions: ReviewerSessions, service: ProposalService) -> ReviewerSession:
    """The session behind the cookie, if its client may still approve; else 401 (the session ends)."""
    try:
        session = sessions.find(request.cookies.get(COOKIE), request.app.state.clients)
    except SessionRevoked as error:
        service.runtime.record(actor="review-page", action="review.session", decision="revoked")
        raise HTTPException(401, str(error)) from error
    if session is None:
        raise HTTPException(401, "not signed in; open /review and sign in")
    return session


def signed_in(request: Request, sessions: ReviewerSessions, form: dict[str, str], service) -> ReviewerSession:
    """The session behind the cookie, after checking the form's CSRF token."""
    session = current_session(request, sessions, service)
    if not session.accepts(form.get("csrf_token", "")):
        raise HTTPException(403, "CSRF token missing or wrong; reload /review and try again")
    return session


def signed_out(request: Request, error: HTTPException) -> HTMLResponse:
    """The sign-in form; with the reason when a session cookie was sent but no longer counts."""
    if not request.cookies.get(COOKIE):
        return html(login_page())
    response = html(login_page(str(error.detail)), 401)
    response.delete_cookie(COOKIE, path="/review")
    return response


@router.get("")
def review_queue(
    request: Request,
    service: ProposalServiceDep,
    sessions: SessionsDep,
    state: str = "pending_review",
    risk: str = "",
    action: str = "",
    escalated: str = "",
    done: str = "",
) -> HTMLResponse:
    try:
        session = current_session(request, sessions, service)
    except HTTPException as error:
        return signed_out(request, error)
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
    page = queue_page(
        session.client_id,
        session.csrf_token,
        proposals,
        filters=filters,
        actions=service.registry.names(),
        notice=notice,
    )
    return html(page)


@router.post("/login")
def login(request: Request, form: FormDep, service: ProposalServiceDep, sessions: SessionsDep) -> Response:
    key = form.get("api_key", "")
    try:
        remote = request.client.host if request.client else "unknown"
        caller = request.app.state.clients.authenticate(key, "approve", remote=remote)
    except AuthError as error:
        return html(login_page(error.detail), error.status)
    token, _ = sessions.open(caller.client_id, key)
    service.runtime.record(actor=caller.client_id, action="review.login", decision="ok")
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    secure = service.runtime.settings.mode == "production"
    max_age = int(SESSION_TTL.total_seconds())
    response.set_cookie(COOKIE, token, max_age=max_age, path="/review", httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logout")
def logout(request: Request, form: FormDep, sessions: SessionsDep, service: ProposalServiceDep) -> Response:
    signed_in(request, sessions, form, service)
    sessions.close(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/review")
    return response


def _detail(service, session: ReviewerSession, proposal_id: str, *, error: str = "", notice: str = "") -> str:
    proposal = service.get(proposal_id)
    return detail_page(
        session.client_id,
        session.csrf_token,
        proposal,
        service.changes(proposal),
        service.store.events(proposal_id),
        note_required=proposal.risk in service.rules.note_required_for,
        error=error,
        notice=notice,
    )


@router.get("/{proposal_id}")
def review_detail(
    proposal_id: str, request: Request, service: ProposalServiceDep, sessions: SessionsDep, done: str = ""
) -> HTMLResponse:
    try:
        session = current_session(request, sessions, service)
    except HTTPException as error:
        return signed_out(request, error)
    try:
        notice = NOTICES.get(done, "") if DONE.fullmatch(done) else ""
        return html(_detail(service, session, proposal_id, notice=notice))
    except ApprovalError as error:
        return html(message_page("Not found", error.detail), error.status)


@router.post("/{proposal_id}/{decision}")
def decide(
    proposal_id: str,
    decision: Literal["approve", "reject", "request_changes"],
    request: Request,
    form: FormDep,
    service: ProposalServiceDep,
    sessions: SessionsDep,
) -> Response:
    session = signed_in(request, sessions, form, service)
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
            page = _detail(service, session, proposal_id, error=error.detail)
        except ApprovalError:
            page = login_page(error.detail)
        return html(page, error.status)
    outcome = {"approve": "approved", "reject": "rejected", "request_changes": "request_changes"}[decision]
    return RedirectResponse(f"/review/{proposal_id}?done={outcome}", status_code=303, headers=SECURITY_HEADERS)
