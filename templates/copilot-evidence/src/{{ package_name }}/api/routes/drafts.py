"""The drafts resource: draft with the model, read the evidence trail, export it."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from ...schemas import DraftCreate, DraftOut
from ..deps import CopilotServiceDep, ReaderDep

router = APIRouter(prefix="/drafts", tags=["drafts"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_draft(body: DraftCreate, service: CopilotServiceDep, caller: ReaderDep) -> DraftOut:
    """Draft from the registered sources; every claim is linked to verified spans or flagged."""
    return DraftOut.of(service.draft(body, actor=caller.client_id))


@router.get("/{draft_id}")
def get_draft(draft_id: str, service: CopilotServiceDep, caller: ReaderDep) -> DraftOut:
    """The draft with its claims and evidence, every span re-checked against its source."""
    return DraftOut.of(service.get_draft(draft_id))


@router.get("/{draft_id}/export", response_model=None)
def export_draft(
    draft_id: str,
    service: CopilotServiceDep,
    caller: ReaderDep,
    export_format: Annotated[Literal["md", "json"], Query(alias="format", description="md: with footnotes")] = "md",
) -> Response:
    """Markdown (a footnote quoting each span) or JSON (the full evidence trail)."""
    exported = service.export(draft_id, export_format, actor=caller.client_id)
    if isinstance(exported, str):
        return PlainTextResponse(exported, media_type="text/markdown; charset=utf-8")
    return JSONResponse(exported)
