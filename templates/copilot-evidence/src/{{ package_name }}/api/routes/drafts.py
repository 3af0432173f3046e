"""The drafts resource: draft a brief, read the evidence trail and the ledger, review claims, export."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import TypeAdapter

from ...export import DOCX_MEDIA_TYPE
from ...records import Draft, LedgerEvent
from ...schemas import ClaimReview, DraftCreate
from ..deps import CopilotServiceDep, ReaderDep, ReviewerDep
from ..responses import errors

router = APIRouter(prefix="/drafts", tags=["drafts"])
VersionQuery = Annotated[int | None, Query(ge=1, le=1_000_000, description="default: the newest")]
DRAFT_SCHEMA = TypeAdapter(Draft).json_schema(ref_template="#/components/schemas/{model}")
EXPORT_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": DOCX_MEDIA_TYPE,
    "json": "application/json",
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(402, 404, 503))
def create_draft(body: DraftCreate, service: CopilotServiceDep, caller: ReaderDep) -> Draft:
    """Draft every requirement of a brief from the library the caller may see; unsupported
    requirements are listed as gaps, never filled with guesses."""
    return service.draft(body, actor=caller.client_id, clearance=caller.clearance)


@router.get("/{draft_id}", responses=errors(404))
def get_draft(draft_id: str, service: CopilotServiceDep, caller: ReaderDep, version: VersionQuery = None) -> Draft:
    """The draft with claims and evidence, every span re-checked now (unverified, stale)."""
    return service.get_draft(draft_id, version=version)


@router.get("/{draft_id}/ledger", responses=errors(404))
def get_ledger(draft_id: str, service: CopilotServiceDep, caller: ReaderDep) -> list[LedgerEvent]:
    """The append-only trail: creation, each review (who, what, when), verifications, exports."""
    return service.ledger_events(draft_id)


@router.post("/{draft_id}/verify", responses=errors(404))
def verify_draft(draft_id: str, service: CopilotServiceDep, caller: ReaderDep) -> Draft:
    """Re-check every span and append the result (stale and unverified claims) to the ledger."""
    return service.verify_draft(draft_id, actor=caller.client_id)


@router.post("/{draft_id}/claims/{claim_id}/review", responses=errors(404, 409))
def review_claim(
    draft_id: str, claim_id: str, body: ClaimReview, service: CopilotServiceDep, caller: ReviewerDep
) -> Draft:
    """Accept, edit or reject one claim (scope `approve`); an edit is re-verified against its span."""
    return service.review_claim(draft_id, claim_id, body, actor=caller.client_id)


@router.get(
    "/{draft_id}/export",
    response_model=None,
    responses={
        200: {
            "description": "The draft in the requested format",
            "content": {
                "text/markdown": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                DOCX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "application/json": {"schema": DRAFT_SCHEMA},
            },
        },
        **errors(404),
    },
)
def export_draft(
    draft_id: str,
    service: CopilotServiceDep,
    caller: ReaderDep,
    export_format: Annotated[Literal["md", "html", "docx", "json"], Query(alias="format")] = "md",
    version: VersionQuery = None,
) -> Response:
    """Markdown (footnotes quoting each span), HTML (linked citations), DOCX (a comment per span) or JSON."""
    exported = service.export(draft_id, export_format, actor=caller.client_id, version=version)
    if export_format == "json":
        return JSONResponse(exported)
    if export_format == "html":
        return HTMLResponse(
            str(exported), headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
        )
    headers = {"Content-Disposition": f'attachment; filename="{draft_id}.docx"'} if export_format == "docx" else {}
    return Response(exported, media_type=EXPORT_TYPES[export_format], headers=headers)
