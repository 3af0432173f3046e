"""The one interface every retrieval backend implements.

SQLite (embedded, zero services) and PostgreSQL (full-text + pgvector, scale-out) both
satisfy `ChunkStore`; the retriever, the ingest pipeline and the tests only see this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from .models import ChunkRecord, DocumentRecord, ScoredChunk, SearchFilter


class ChunkStore(Protocol):
    """Documents and chunks, searchable by text and (optionally) by vector under a `SearchFilter`."""

    def replace_document(self, document: DocumentRecord, chunks: Sequence[ChunkRecord]) -> None:
        """Insert or atomically replace a document and all its chunks."""
        ...

    def delete_document(self, document_id: str) -> bool:
        """Remove a document and its chunks; False when it did not exist."""
        ...

    def get_document(self, document_id: str) -> DocumentRecord | None: ...

    def list_documents(self, *, max_rank: int | None = None, origin: str | None = None) -> list[DocumentRecord]: ...

    def find_by_content_hash(self, content_hash: str) -> DocumentRecord | None: ...

    def search_text(self, query: str, where: SearchFilter, limit: int) -> list[ScoredChunk]:
        """Full-text ranked search (BM25 or the backend's equivalent); best first."""
        ...

    def search_vector(self, vector: Sequence[float], where: SearchFilter, limit: int) -> list[ScoredChunk]:
        """Nearest chunks by cosine similarity; chunks without an embedding never match."""
        ...

    def known_words(self, words: Sequence[str], where: SearchFilter) -> set[str]:
        """The `words` (query words, unstemmed) that occur in at least one chunk the filter admits."""
        ...

    def vocabulary_size(self) -> int:
        """Distinct (stemmed) terms in the index: how much of the language its documents use."""
        ...

    def search_hybrid(
        self, query: str, vector: Sequence[float], where: SearchFilter, limit: int
    ) -> tuple[list[ScoredChunk], list[ScoredChunk]]:
        """`search_text` and `search_vector` together (a backend may answer both in one pass)."""
        ...

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, Sequence[float]]:
        """Stored (unit-length) vectors of these chunks; chunks without one are left out."""
        ...

    def index_version(self) -> int:
        """A counter bumped by every write, so caches keyed on it go stale with the index."""
        ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def close(self) -> None: ...
