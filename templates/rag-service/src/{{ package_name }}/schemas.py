"""API request and response bodies; storage records live in `retrieval/models.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from .platform.knowledge.ingest.metadata import DocumentMetadata
from .platform.knowledge.retrieval.models import DocumentRecord
from .platform.knowledge.retrieval.retriever import RetrievedChunk
from .service import Answer, Citation

Clearance = Literal["public", "internal", "confidential", "restricted"]


def _clean(value: str) -> str:
    """Drop NUL characters and replace lone surrogates: neither can be stored, hashed or indexed."""
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _iso_date(value: object) -> object:
    """JSON dates are ISO strings; a number would otherwise be read as a Unix timestamp."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO date string such as 2026-01-31")
    return value


CleanText = Annotated[str, AfterValidator(_clean)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
NOT_BLANK = r"\S"


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[CleanText, Field(min_length=1, max_length=2000, pattern=NOT_BLANK)]
    top_k: int | None = Field(
        default=None, ge=1, le=20, strict=True, description="Chunks to retrieve (default from settings)"
    )
    include_retrieved: bool = Field(
        default=False, strict=True, description="Also return every retrieved source with its rank and scores"
    )


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


class RetrievedOut(BaseModel):
    """One retrieved chunk, cited or not: why the answer was chosen (and what it was chosen from)."""

    rank: int = Field(description="1 = best")
    chunk_id: str
    document_id: str
    title: str
    heading: str
    start: int = Field(description="Offset of the chunk in the document's extracted text")
    end: int
    score: float = Field(description="Fused ranking score (reciprocal rank fusion of text and vector search)")
    support: float | None = Field(description="Cosine similarity of question and chunk (None without embeddings)")
    stale: bool

    @classmethod
    def of(cls, item: RetrievedChunk) -> RetrievedOut:
        chunk, document = item.chunk, item.document
        return cls(
            rank=item.rank,
            chunk_id=chunk.id,
            document_id=document.id,
            title=document.title,
            heading=chunk.heading,
            start=chunk.start,
            end=chunk.end,
            score=round(item.score, 6),
            support=None if item.support is None else round(item.support, 4),
            stale=item.stale,
        )


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
    retrieved: list[RetrievedOut] | None = Field(default=None, description="With include_retrieved: every source")

    @classmethod
    def of(cls, answer: Answer, *, include_retrieved: bool = False) -> QueryResponse:
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
            retrieved=[RetrievedOut.of(item) for item in answer.retrieved] if include_retrieved else None,
        )


class DocumentIn(DocumentMetadata):
    """A document sent over the API; metadata fields override any front matter in `content`."""

    content: Annotated[CleanText, Field(min_length=1, max_length=2_000_000, pattern=NOT_BLANK)]
    format: Literal["markdown", "text", "html"] = "markdown"
    title: Annotated[CleanText, Field(max_length=300)] | None = None
    source: Annotated[CleanText, Field(max_length=1000)] | None = None
    owner: Annotated[CleanText, Field(max_length=200)] | None = None
    classification: Clearance | None = None
    effective_date: IsoDate | None = None
    updated_date: IsoDate | None = None

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
