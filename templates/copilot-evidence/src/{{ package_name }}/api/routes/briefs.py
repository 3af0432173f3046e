"""The briefs resource: the requirements a draft answers, as JSON or uploaded as Markdown, CSV or DOCX."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from ...brief import DOCX_MEDIA_TYPE
from ...records import Brief, CopilotError
from ...schemas import BriefCreate
from ..deps import CopilotServiceDep, ReaderDep
from ..responses import errors

router = APIRouter(prefix="/briefs", tags=["briefs"])
MAX_UPLOAD_BYTES = 5_000_000
UPLOAD_BODY = {
    "required": True,
    "content": {
        "text/markdown": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
        DOCX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
}


class UploadTooLarge(CopilotError):
    status = 413
    code = "copilot.upload_too_large"


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors())
def create_brief(body: BriefCreate, service: CopilotServiceDep, caller: ReaderDep) -> Brief:
    """A brief from JSON: requirements without an id get R1, R2, ..."""
    return service.create_brief(body, actor=caller.client_id)


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    responses=errors(413, 415),
    openapi_extra={"requestBody": UPLOAD_BODY},
)
async def import_brief(
    request: Request,
    service: CopilotServiceDep,
    caller: ReaderDep,
    title: Annotated[str, Query(max_length=200, description="default: the document's own title")] = "",
) -> Brief:
    """Upload a brief: Markdown (one requirement per list item or heading), CSV (`id`, `requirement`,
    `section`, `owner` columns) or a DOCX requirement table (a `Requirement` column)."""
    content = await request.body()
    if len(content) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"brief is {len(content)} bytes; at most {MAX_UPLOAD_BYTES}")
    media_type = request.headers.get("content-type", "")
    return service.import_brief(content, media_type, title=title, actor=caller.client_id)


@router.get("/{brief_id}", responses=errors(404))
def get_brief(brief_id: str, service: CopilotServiceDep, caller: ReaderDep) -> Brief:
    return service.brief(brief_id)
