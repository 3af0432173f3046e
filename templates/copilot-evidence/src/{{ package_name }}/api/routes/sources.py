"""The sources resource: the library's documents, each version kept because evidence spans point into it."""

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ...schemas import SourceCreate, SourceDetail, SourceOut
from ..deps import CopilotServiceDep, IngesterDep, ReaderDep
from ..responses import errors

router = APIRouter(prefix="/sources", tags=["sources"])


@router.post("", status_code=status.HTTP_201_CREATED, responses={200: {"model": SourceOut}, **errors(409)})
def register_source(
    body: SourceCreate, service: CopilotServiceDep, caller: IngesterDep, response: Response
) -> SourceOut:
    """Register a document (201) or a new version of it (201; claims citing the old one turn stale).
    The same id and text again returns 200 and changes nothing."""
    source, created = service.register_source(body, actor=caller.client_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return SourceOut.of(source)


@router.get("", responses=errors())
def list_sources(service: CopilotServiceDep, caller: ReaderDep) -> list[SourceOut]:
    """The newest version of every document the caller's clearance admits."""
    return [SourceOut.of(source) for source in service.sources(clearance=caller.clearance)]


@router.get("/{source_id}", responses=errors(404))
def get_source(
    source_id: str,
    service: CopilotServiceDep,
    caller: ReaderDep,
    version: Annotated[str | None, Query(max_length=64, description="default: the newest")] = None,
) -> SourceDetail:
    """The full text of one version: evidence offsets index into exactly this string."""
    return SourceDetail.of(service.source(source_id, version, clearance=caller.clearance))
