"""API request and response bodies; storage records live in `retrieval/models.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from .ingest.metadata import DocumentMetadata
from .retrieval.models import DocumentRecord
from .service import Answer, Citation

Clearance = Literal["public", "internal", "confidential", "restricted"]


def _clean(value: str) -> str:
    """Reject text that cannot be stored or hashed (lone surrogates, NUL) with a 422, not a 500."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from error
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain some text")
    return value


CleanText = Annotated[str, AfterValidator(_clean)]


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[CleanText, Field(min_length=1, max_length=2000), AfterValidator(_not_blank)]
    top_k: int | None = Field(default=None, ge=1, le=20, description="Chunks to retrieve (default from settings)")


class CitationOut(BaseModel):
    tag: str = Field(description="The marker used in the answer text, e.g. S1")
    chunk_id: str
    document_id: str
    title: str
    source: str
    heading: str
    start: int = Field(description="Offset of the chunk in the document's extracted text")
    end: int
    classification: Clearance
    updated_date: date
    stale: bool = Field(description="Older than the freshness limit (down-ranked)")
    quote: str

    @classmethod
    def of(cls, citation: Citation) -> CitationOut:
        return cls.model_validate(citation, from_attributes=True)


class QueryResponse(BaseModel):
    answer: str
    refused: bool = Field(description="True when the service declines to answer (no support, withheld)")
    reason: str | None
    citations: list[CitationOut]
    prompt_version: str
    cached: bool
    cost_usd: float
    audit_seq: int | None
    notes: list[str]

    @classmethod
    def of(cls, answer: Answer) -> QueryResponse:
        return cls(
            answer=answer.text,
            refused=answer.refused,
            reason=answer.reason,
            citations=[CitationOut.of(citation) for citation in answer.citations],
            prompt_version=answer.prompt_version,
            cached=answer.cached,
            cost_usd=round(answer.cost_usd, 8),
            audit_seq=answer.audit_seq,
            notes=answer.notes,
        )


class DocumentIn(DocumentMetadata):
    """A document sent over the API; metadata fields override any front matter in `content`."""

    content: Annotated[CleanText, Field(min_length=1, max_length=2_000_000), AfterValidator(_not_blank)]
    format: Literal["markdown", "text", "html"] = "markdown"
    title: Annotated[CleanText, Field(max_length=300)] | None = None
    source: Annotated[CleanText, Field(max_length=1000)] | None = None
    owner: Annotated[CleanText, Field(max_length=200)] | None = None
    classification: Clearance | None = None

    def metadata(self) -> DocumentMetadata:
        return DocumentMetadata.model_validate(self.model_dump(exclude={"content", "format"}))


class IngestResult(BaseModel):
    document_id: str
    status: Literal["added", "updated", "unchanged", "duplicate"]
    duplicate_of: str | None = None
    chunk_count: int


class DocumentOut(BaseModel):
    id: str
    title: str
    source: str
    owner: str
    classification: Clearance
    effective_date: date | None
    updated_date: date
    permissible_use: list[str]
    format: str
    chunk_count: int
    ingested_at: str

    @classmethod
    def of(cls, document: DocumentRecord) -> DocumentOut:
        return cls.model_validate(document, from_attributes=True)
