"""The claim review page: read a draft in the browser, open cited spans, accept, edit or reject claims.

Sign-in, the session cookie, CSRF and the per-request re-check that the signed-in client still
exists, keeps its key and holds the `approve` scope are the platform's reviewer pages
(`platform/reviewer_web.py`), the same as the approval reviewer page.
"""

import re
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from ...platform.reviewer_web import FormDep, html, redirect
from ...records import CopilotError
from ...review_page import SIGN_IN, draft_page, drafts_page, source_page
from ...schemas import ClaimReview
from ..deps import CopilotServiceDep

router = APIRouter(prefix="/review", tags=["review"], include_in_schema=False)
router.include_router(SIGN_IN.router)  # POST /review/login, /review/logout
DONE = re.compile(r"[A-Za-z0-9._-]{1,40} (accepted|edited|rejected)")


@router.get("")
def drafts(request: Request, service: CopilotServiceDep) -> HTMLResponse:
    try:
        session = SIGN_IN.session(request)
    except HTTPException as error:
        return SIGN_IN.signed_out(request, error)
    return html(drafts_page(session, service.ledger.draft_ids()))


@router.get("/drafts/{draft_id}")
def draft(request: Request, draft_id: str, service: CopilotServiceDep, done: str = "") -> HTMLResponse:
    try:
        session = SIGN_IN.session(request)
    except HTTPException as error:
        return SIGN_IN.signed_out(request, error)
    try:
        found = service.get_draft(draft_id)
    except CopilotError as error:
        return SIGN_IN.message_page("Not found", error.detail, error.status)
    notice = f"Recorded: {done}" if DONE.fullmatch(done) else ""
    return html(draft_page(session, found, service.ledger.events(draft_id), notice=notice))


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
    try:
        session = SIGN_IN.session(request)
    except HTTPException as error:
        return SIGN_IN.signed_out(request, error)
    caller = request.app.state.clients.current(session.client_id)
    try:
        found = service.source(source_id, version, clearance=caller.clearance)
    except CopilotError as error:
        return SIGN_IN.message_page("Not found", error.detail, error.status)
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
    session = SIGN_IN.checked(request, form)
    try:
        body = ClaimReview(action=action, text=form.get("text") or None)
        service.review_claim(draft_id, claim_id, body, actor=session.client_id)
    except CopilotError as error:
        found = service.get_draft(draft_id) if error.status != 404 else None
        if found is None:
            return SIGN_IN.message_page("Not found", error.detail, error.status)
        events = service.ledger.events(draft_id)
        return html(draft_page(session, found, events, error=error.detail), error.status)
    except ValueError as error:
        raise HTTPException(422, str(error).splitlines()[0]) from error
    outcome = {"accept": "accepted", "edit": "edited", "reject": "rejected"}[action]
    return redirect(f"/review/drafts/{draft_id}?done={claim_id}+{outcome}#claim-{claim_id}")
