"""The reviewer page: list pending proposals, approve or reject them from a browser.

Forms post back a per-session CSRF token; the session cookie is HttpOnly and
SameSite=Strict, and a cross-origin `Origin` header is refused, so another site
cannot make a signed-in reviewer's browser approve anything.
"""

import re
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...platform.errors import AuthError
from ...proposals import ApprovalError, State
from ...review_page import login_page, queue_page
from ...review_sessions import SESSION_TTL, ReviewerSession, ReviewerSessions
from ..deps import ProposalServiceDep

router = APIRouter(prefix="/review", tags=["review"], include_in_schema=False)
COOKIE = "review_session"
MAX_FORM_BYTES = 16_384
DONE = re.compile(r"prop_[0-9a-f]{12}[ +](approved|rejected)")  # only our own redirect may show a notice
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
    if sessions is None or sessions.store is not service.store:
        sessions = request.app.state.reviewer_sessions = ReviewerSessions(service.store, service.clock)
    return sessions


FormDep = Annotated[dict[str, str], Depends(form_fields)]
SessionsDep = Annotated[ReviewerSessions, Depends(get_sessions)]


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=SECURITY_HEADERS)


def signed_in(request: Request, sessions: ReviewerSessions, form: dict[str, str]) -> ReviewerSession:
    """The session behind the cookie, after checking the form's CSRF token."""
    session = sessions.find(request.cookies.get(COOKIE))
    if session is None:
        raise HTTPException(401, "not signed in; open /review and sign in")
    if not session.accepts(form.get("csrf_token", "")):
        raise HTTPException(403, "CSRF token missing or wrong; reload /review and try again")
    return session


@router.get("")
def review_queue(request: Request, service: ProposalServiceDep, sessions: SessionsDep, done: str = "") -> HTMLResponse:
    session = sessions.find(request.cookies.get(COOKIE))
    if session is None:
        return html(login_page())
    pending = service.list_proposals(State.PENDING_REVIEW, limit=200)
    notice = f"Recorded: {done}" if DONE.fullmatch(done) else ""
    rules = service.rules.note_required_for
    return html(queue_page(session.client_id, session.csrf_token, pending, note_required_for=rules, notice=notice))


@router.post("/login")
def login(request: Request, form: FormDep, service: ProposalServiceDep, sessions: SessionsDep) -> Response:
    try:
        remote = request.client.host if request.client else "unknown"
        caller = request.app.state.clients.authenticate(form.get("api_key", ""), "approve", remote=remote)
    except AuthError as error:
        return html(login_page(error.detail), error.status)
    token, _ = sessions.open(caller.client_id)
    service.runtime.record(actor=caller.client_id, action="review.login", decision="ok")
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    secure = service.runtime.settings.mode == "production"
    max_age = int(SESSION_TTL.total_seconds())
    response.set_cookie(COOKIE, token, max_age=max_age, path="/review", httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logout")
def logout(request: Request, form: FormDep, sessions: SessionsDep) -> Response:
    signed_in(request, sessions, form)
    sessions.close(request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/review")
    return response


@router.post("/{proposal_id}/{decision}")
def decide(
    proposal_id: str,
    decision: Literal["approve", "reject"],
    request: Request,
    form: FormDep,
    service: ProposalServiceDep,
    sessions: SessionsDep,
) -> Response:
    session = signed_in(request, sessions, form)
    decide_with = service.approve if decision == "approve" else service.reject
    try:
        decide_with(proposal_id, actor=session.client_id, note=form.get("note", ""))
    except ApprovalError as error:
        pending = service.list_proposals(State.PENDING_REVIEW, limit=200)
        page = queue_page(
            session.client_id,
            session.csrf_token,
            pending,
            note_required_for=service.rules.note_required_for,
            error=error.detail,
        )
        return html(page, error.status)
    outcome = "approved" if decision == "approve" else "rejected"
    return RedirectResponse(f"/review?done={proposal_id}+{outcome}", status_code=303, headers=SECURITY_HEADERS)
