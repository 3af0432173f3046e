"""The documents resource: ingest (scope `ingest`), list (scope `query`), delete (scope `admin`)."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from ...platform.api import ErrorBody
from ...platform.errors import NotFound
from ...platform.knowledge.ingest.metadata import DOCUMENT_ID_PATTERN
from ...schemas import DocumentIn, DocumentOut, IngestResult
from ..deps import AdminCaller, IngestCaller, QueryCaller, RagServiceDep

router = APIRouter(prefix="/documents", tags=["documents"])  # error responses (ErrorBody) come from the platform app

DocumentId = Annotated[str, Path(pattern=DOCUMENT_ID_PATTERN, description="Document id, e.g. expense-policy")]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": IngestResult, "description": "Unchanged, or a duplicate of another document"}},
)
def ingest_document(body: DocumentIn, service: RagServiceDep, caller: IngestCaller, response: Response) -> IngestResult:
    """Add or replace one document. Unchanged content is a no-op (200), as is a duplicate of another document."""
    outcome = service.ingest_content(body.content, body.format, body.metadata(), caller)
    if outcome.status in ("unchanged", "duplicate"):
        response.status_code = status.HTTP_200_OK
    document = outcome.document
    return IngestResult(
        document_id=outcome.document_id,
        status=outcome.status,
        duplicate_of=outcome.duplicate_of,
        chunk_count=document.chunk_count if document else 0,
    )


@router.get("")
def list_documents(service: RagServiceDep, caller: QueryCaller) -> list[DocumentOut]:
    """Documents the caller is cleared to see, by id."""
    return [DocumentOut.of(document) for document in service.documents(caller)]


@router.delete(
    "/{document_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={404: {"model": ErrorBody, "description": "No such document, or not visible to the caller"}},
)
def delete_document(document_id: DocumentId, service: RagServiceDep, caller: AdminCaller) -> None:
    """Remove a document and its chunks from the index."""
    if not service.delete(document_id, caller):
        raise NotFound(f"no document {document_id!r}")
