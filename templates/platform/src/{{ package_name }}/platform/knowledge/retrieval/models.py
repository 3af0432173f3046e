"""What the index holds: documents, their chunks, and the filter every search must apply.

Plain frozen dataclasses, free of any database or HTTP detail, so both backends and
the API layer speak the same language and a test can build them by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ...auth import CLEARANCES

CLEARANCE_RANK = {name: rank for rank, name in enumerate(CLEARANCES)}


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class DocumentRecord:
    """One ingested document and the metadata governance decisions are made from.

    `content_hash` is over the extracted text only (finds the same text under two ids);
    `fingerprint` also covers metadata and chunking settings (decides re-ingest).
    """

    id: str
    title: str
    source: str
    owner: str
    classification: str
    effective_date: date | None
    updated_date: date
    permissible_use: tuple[str, ...]
    format: str
    origin: str
    content_hash: str
    fingerprint: str
    chunk_count: int
    ingested_at: str

    def to_row(
        self, *, day: Callable[[date | None], Any] = _same, uses: Callable[[tuple[str, ...]], Any] = list
    ) -> tuple:
        """Every column in the order stores write and select them; `day` and `uses` encode the store's way."""
        return (
            *(self.id, self.title, self.source, self.owner, self.classification),
            *(day(self.effective_date), day(self.updated_date), uses(self.permissible_use)),
            *(self.format, self.origin, self.content_hash, self.fingerprint, self.chunk_count, self.ingested_at),
        )

    @classmethod
    def from_row(
        cls, row: Sequence, *, day: Callable[[Any], date | None] = _same, uses: Callable = tuple
    ) -> DocumentRecord:
        """The twin of `to_row`: `day` and `uses` decode what the store wrote."""
        return cls(*row[:5], day(row[5]), day(row[6]), uses(row[7]), *row[8:14])


@dataclass(frozen=True)
class ChunkRecord:
    """A retrievable piece of a document; `start`/`end` are offsets in the document's extracted text.

    Classification, date and permitted uses are copied from the document so a search can
    filter on them without a join.
    """

    id: str
    document_id: str
    ordinal: int
    heading: str
    text: str
    start: int
    end: int
    classification: str
    updated_date: date
    permissible_use: tuple[str, ...]
    embedding: tuple[float, ...] | None = None

    @classmethod
    def from_row(cls, row: Sequence, updated_date: date, permissible_use: tuple[str, ...]) -> ChunkRecord:
        """A chunk from the column order every store selects; the store decodes date and uses its own way."""
        return cls(*row[:7], CLEARANCES[row[7]], updated_date, permissible_use)

    def row_head(self) -> tuple[str, str, int, str, str, int, int, int]:
        """The first eight columns every store writes, in `from_row`'s order (clearance as its rank)."""
        rank = CLEARANCE_RANK[self.classification]
        return (self.id, self.document_id, self.ordinal, self.heading, self.text, self.start, self.end, rank)


@dataclass(frozen=True)
class SearchFilter:
    """Which chunks a search may return at all; applied inside the backend's query.

    `max_rank` is the caller's clearance as an index into CLEARANCES; `purpose` must be one
    of the document's permitted uses; `updated_since` (when set) drops stale documents.
    """

    max_rank: int
    purpose: str
    updated_since: date | None = None

    @classmethod
    def for_clearance(cls, clearance: str, purpose: str, updated_since: date | None = None) -> SearchFilter:
        return cls(CLEARANCE_RANK.get(clearance, -1), purpose, updated_since)

    def admits(self, chunk: ChunkRecord) -> bool:
        """The same rule in Python, used to double-check what a backend returned."""
        return (
            CLEARANCE_RANK.get(chunk.classification, len(CLEARANCES)) <= self.max_rank
            and self.purpose in chunk.permissible_use
            and (self.updated_since is None or chunk.updated_date >= self.updated_since)
        )


@dataclass(frozen=True)
class ScoredChunk:
    """A backend's hit: higher `score` is better within one result list (scales differ between lists)."""

    chunk: ChunkRecord
    score: float


def listed(documents: Sequence[DocumentRecord], *, max_rank: int | None, origin: str | None) -> list[DocumentRecord]:
    """`ChunkStore.list_documents`' filter: at or below a clearance rank, from one origin."""
    return [
        document
        for document in documents
        if (max_rank is None or CLEARANCE_RANK[document.classification] <= max_rank)
        and (origin is None or document.origin == origin)
    ]
