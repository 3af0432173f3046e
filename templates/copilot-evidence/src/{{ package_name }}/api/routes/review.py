"""The claim review page: read a draft in the browser, open cited spans, accept, edit or reject claims.

Same protections as the approval reviewer page: the session cookie is HttpOnly and
SameSite=Strict, every form posts a per-session CSRF token, cross-origin posts are refused,
and pages forbid scripts (CSP `default-src 'none'`). Every request re-checks that the signed-in
client still exists and still holds the `approve` scope.
"""

import re
from html import escape
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...platform.errors import AuthError
from ...records import CopilotError
from ...review_page import draft_page, drafts_page, login_page, source_page
from ...review_sessions import SESSION_TTL, ReviewSession, close_session, find_session, open_session
from ...schemas import ClaimReview
from ..deps import CopilotServiceDep

router = APIRouter(prefix="/review", tags=["review"], include_in_schema=False)
COOKIE = "copilot_review"
SCOPE = "approve"
MAX_FORM_BYTES = 16_384
DONE = re.compile(r"[A-Za-z0-9._-]{1,40} (accepted|edited|rejected)")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def html(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(body, status, headers=SECURITY_HEADERS)


async def form_fields(request: Request) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin and urlsplit(origin).netloc != request.headers.get("host"):
        raise HTTPException(403, "cross-origin form post refused")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise HTTPException(415, "send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, f"form is larger than {MAX_FORM_BYTES} bytes")
    return {
        name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()
    }


FormDep = Annotated[dict[str, str], Depends(form_fields)]


def current_session(request: Request, service: CopilotServiceDep) -> ReviewSession | None:
    """The cookie's session, only while its client still exists and still holds `approve`."""
    session = find_session(service.ledger, request.cookies.get(COOKIE), service.clock())
    if session is None:
        return None
    caller = request.app.state.clients.current(session.client_id)
    if caller is None or SCOPE not in caller.scopes:
        close_session(service.ledger, request.cookies.get(COOKIE, ""))
        return None
    return session


def signed_in(request: Request, service: CopilotServiceDep, form: dict[str, str]) -> ReviewSession:
    session = current_session(request, service)
    if session is None:
        raise HTTPException(401, "not signed in (or no longer allowed to review); open /review and sign in")
    if not session.accepts(form.get("csrf_token", "")):
        raise HTTPException(403, "CSRF token missing or wrong; reload the page and try again")
    return session


@router.get("")
def drafts(request: Request, service: CopilotServiceDep) -> HTMLResponse:
    session = current_session(request, service)
    if session is None:
        return html(login_page())
    return html(drafts_page(session.client_id, session.csrf_token, service.ledger.draft_ids()))


@router.post("/login")
def login(request: Request, form: FormDep, service: CopilotServiceDep) -> Response:
    try:
        remote = request.client.host if request.client else "unknown"
        caller = request.app.state.clients.authenticate(form.get("api_key", ""), SCOPE, remote=remote)
    except AuthError as error:
        return html(login_page(error.detail), error.status)
    token, _ = open_session(service.ledger, caller.client_id, service.clock())
    service.runtime.record(actor=caller.client_id, action="review.login", decision="ok")
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    secure = service.runtime.settings.mode == "production"
    max_age = int(SESSION_TTL.total_seconds())
    response.set_cookie(COOKIE, token, max_age=max_age, path="/review", httponly=True, samesite="strict", secure=secure)
    return response


@router.post("/logout")
def logout(request: Request, form: FormDep, service: CopilotServiceDep) -> Response:
    signed_in(request, service, form)
    close_session(service.ledger, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/review", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/review")
    return response


@router.get("/drafts/{draft_id}")
def draft(request: Request, draft_id: str, service: CopilotServiceDep, done: str = "") -> HTMLResponse:
    session = current_session(request, service)
    if session is None:
        return html(login_page())
    try:
        found = service.get_draft(draft_id)
    except CopilotError as error:
        return html(f"<p role='alert'>{escape(error.detail)}</p>", error.status)
    notice = f"Recorded: {done}" if DONE.fullmatch(done) else ""
    events = service.ledger.events(draft_id)
    return html(draft_page(session.client_id, session.csrf_token, found, events, notice=notice))


@router.get("/sources/{source_id}")
def source(
    request: Request,
    source_id: str,
    service: CopilotServiceDep,
    version: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[int, Query(ge=0)] = 0,
    end: Annotated[int, Query(ge=0)] = 0,
) -> HTMLResponse:
    """The cited version of a source with the quoted span marked (the target of every citation link)."""
    session = current_session(request, service)
    if session is None:
        return html(login_page())
    caller = request.app.state.clients.current(session.client_id)
    try:
        found = service.source(source_id, version, clearance=caller.clearance)
    except CopilotError as error:
        return html(f"<p role='alert'>{escape(error.detail)}</p>", error.status)
    newest = service.library.current(source_id)
    return html(source_page(found, start, end, current=newest is None or newest.version == found.version))


@router.post("/drafts/{draft_id}/claims/{claim_id}/{action}")
def review_claim(
    request: Request,
    draft_id: str,
    claim_id: str,
    action: Literal["accept", "edit", "reject"],
    form: FormDep,
    service: CopilotServiceDep,
) -> Response:
    session = signed_in(request, service, form)
    try:
        body = ClaimReview(action=action, text=form.get("text") or None)
        service.review_claim(draft_id, claim_id, body, actor=session.client_id)
    except CopilotError as error:
        found = service.get_draft(draft_id) if error.status != 404 else None
        if found is None:
            return html(f"<p role='alert'>{escape(error.detail)}</p>", error.status)
        events = service.ledger.events(draft_id)
        return html(draft_page(session.client_id, session.csrf_token, found, events, error=error.detail), error.status)
    except ValueError as error:
        raise HTTPException(422, str(error).splitlines()[0]) from error
    outcome = {"accept": "accepted", "edit": "edited", "reject": "rejected"}[action]
    return RedirectResponse(
        f"/review/drafts/{draft_id}?done={claim_id}+{outcome}#claim-{claim_id}",
        status_code=303,
        headers=SECURITY_HEADERS,
    )
