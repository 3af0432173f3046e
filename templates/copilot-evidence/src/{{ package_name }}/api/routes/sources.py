"""The sources resource: documents a draft may cite, immutable once registered."""

from fastapi import APIRouter, Response, status

from ...schemas import SourceCreate, SourceDetail, SourceOut
from ..deps import CopilotServiceDep, IngesterDep, ReaderDep

router = APIRouter(prefix="/sources", tags=["sources"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register_source(
    body: SourceCreate, service: CopilotServiceDep, caller: IngesterDep, response: Response
) -> SourceOut:
    """Register a document; posting the same id and text again returns 200 and changes nothing."""
    source, created = service.register_source(body, actor=caller.client_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    return SourceOut.of(source)


@router.get("")
def list_sources(service: CopilotServiceDep, caller: ReaderDep) -> list[SourceOut]:
    return [SourceOut.of(source) for source in service.sources()]


@router.get("/{source_id}")
def get_source(source_id: str, service: CopilotServiceDep, caller: ReaderDep) -> SourceDetail:
    """The full text: evidence offsets index into exactly this string."""
    return SourceDetail.of(service.source(source_id))
