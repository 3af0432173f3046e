"""`KnowledgeService`: the one object a pattern holds to ingest documents and search them under governance.

It owns the index (a `ChunkStore`), the ingest pipeline and the governed retriever, and embeds through
the runtime's gateway (wordllama offline by default, an OpenAI-compatible endpoint by configuration).
Search is always under a caller's clearance and the settings' purpose and freshness rules; a hit
carries the document id, its version (`document.fingerprint`), the chunk's character span in the
document's extracted text, its rank, fused score and support (question/chunk similarity).
Auditing stays with the caller, which knows why it searched or ingested.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import IngestDenied
from .ingest.metadata import DocumentMetadata
from .ingest.parsers import ParseError, parse_content
from .ingest.pipeline import Embedder, Ingestor, IngestReport, Outcome, Progress
from .retrieval.analysis import query_terms
from .retrieval.backends import open_store
from .retrieval.models import CLEARANCE_RANK, DocumentRecord, SearchFilter
from .retrieval.retriever import RetrievedChunk, Retriever
from .retrieval.store import ChunkStore
from .settings import KnowledgeSettings

if TYPE_CHECKING:
    from ..auth import Caller
    from ..runtime import Runtime

Hit = RetrievedChunk


@dataclass(frozen=True)
class Assessment:
    """Whether the hits can carry an answer to the question, from two signals.

    `support` is the best question/chunk cosine (None without embeddings); `unknown_share` the share of
    the question's content words that no chunk the caller may see contains; `score` is
    support - unknown_word_penalty x breadth x unknown_share, compared with `min_support`, where breadth
    (0-1) is the index's vocabulary over `full_vocabulary`: a small index's gaps are no evidence.
    """

    supported: bool
    support: float | None
    unknown_share: float
    score: float | None

    @property
    def reason(self) -> str:
        if self.supported:
            return "supported"
        return (
            f"no retrieved source supports an answer (evidence {self.score:.2f}: best support "
            f"{self.support or 0.0:.2f}, {self.unknown_share:.0%} of the question's words unknown to the index)"
        )


class KnowledgeService:
    """Ingest, search, list and delete documents of one index; see the module docstring."""

    def __init__(
        self,
        store: ChunkStore,
        settings: KnowledgeSettings,
        *,
        embed: Embedder | None = None,
        embedding_model: str = "",
        support_model: str | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        """`embedding_model` labels stored vectors; `support_model` (the bare model name) picks `min_support`."""
        self.store = store
        self.settings = settings
        self.min_support = settings.support_floor(support_model if support_model is not None else embedding_model)
        self.ingestor = Ingestor(
            store, settings, embed=embed if settings.hybrid else None, embedding_model=embedding_model, today=today
        )
        self.retriever = Retriever(store, settings, embed=embed, today=today)

    @classmethod
    def from_runtime(
        cls,
        runtime: Runtime,
        settings: KnowledgeSettings,
        *,
        namespace: str = "main",
        today: Callable[[], date] = date.today,
    ) -> KnowledgeService:
        """The configured backend's index `namespace`, embedding through the runtime's gateway."""
        return cls.over(open_store(runtime.settings, settings, namespace=namespace), runtime, settings, today=today)

    @classmethod
    def over(
        cls, store: ChunkStore, runtime: Runtime, settings: KnowledgeSettings, *, today: Callable[[], date] = date.today
    ) -> KnowledgeService:
        """A service over an already opened store (tests, evals with their own namespace)."""
        route = runtime.gateway.embedding_route
        return cls(
            store,
            settings,
            embed=runtime.gateway.embed,
            embedding_model=route.label(route.embedding_model),
            support_model=route.embedding_model,
            today=today,
        )

    def close(self) -> None:
        self.store.close()

    # -- search ----------------------------------------------------------------------------

    def search(self, query: str, clearance: str, *, top_k: int | None = None) -> list[Hit]:
        """Best chunks `clearance` may see, ranked; raises `RetrievalLeak` if a backend ever over-returns."""
        return self.retriever.search(query, clearance, limit=top_k)

    def supported(self, hits: Sequence[Hit]) -> bool:
        """False when hits have a support score and none reaches the minimum support (answering would be guessing)."""
        supports = [hit.support for hit in hits if hit.support is not None]
        return not supports or max(supports) >= self.min_support

    def assess(self, question: str, hits: Sequence[Hit], clearance: str) -> Assessment:
        """Support and vocabulary together: refuse rather than guess (see `Assessment`).

        Unknown words are counted among the chunks `clearance` may see, so a refusal never depends on
        documents the caller cannot read.
        """
        supports = [hit.support for hit in hits if hit.support is not None]
        if self.min_support <= 0.0:  # no floor calibrated for this embedding model: support decides nothing
            return Assessment(bool(hits), max(supports, default=None), 0.0, None)
        words = query_terms(question)
        where = SearchFilter.for_clearance(clearance, self.settings.purpose)
        unknown = 1.0 - len(self.store.known_words(words, where)) / len(words) if words else 0.0
        if not supports:
            return Assessment(bool(hits), None, unknown, None)
        breadth = min(1.0, self.store.vocabulary_size() / self.settings.full_vocabulary)
        score = max(supports) - self.settings.unknown_word_penalty * breadth * unknown
        return Assessment(score >= self.min_support, max(supports), unknown, score)

    def index_version(self) -> int:
        return self.store.index_version()

    # -- documents -------------------------------------------------------------------------

    def ingest_folder(
        self, folder: Path, *, prune: bool = True, force: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest every supported file under `folder`, incrementally (see ingest/pipeline.py)."""
        return self.ingestor.ingest_folder(folder, prune=prune, force=force, progress=progress)

    def ingest_document(self, content: str, format: str, metadata: DocumentMetadata, caller: Caller) -> Outcome:
        """Ingest one document's text; the caller must be cleared for its classification (and the old one's)."""
        where = metadata.id or "document"
        if len(content) > self.settings.max_document_chars:
            raise ParseError(f"{where}: content is longer than {self.settings.max_document_chars} characters")
        parsed = parse_content(content, format, where=where)
        metadata = parsed.metadata.merged(metadata)
        document_id = metadata.id or _derived_id(metadata.title or parsed.title, parsed.text)
        classification = metadata.classification or self.settings.default_classification
        existing = self.store.get_document(document_id)
        for label in filter(None, [classification, existing.classification if existing else None]):
            if not caller.may_see(label):
                raise IngestDenied(
                    f"client {caller.client_id!r} (clearance {caller.clearance}) may not write {label} documents"
                )
        return self.ingestor.ingest_parsed(
            parsed, metadata, document_id=document_id, origin="api", source=metadata.source or f"api:{document_id}"
        )

    def get_document(self, document_id: str) -> DocumentRecord | None:
        return self.store.get_document(document_id)

    def delete(self, document_id: str, caller: Caller) -> bool:
        """Delete a document the caller may see; one it may not see is reported as absent."""
        existing = self.store.get_document(document_id)
        if existing is None or not caller.may_see(existing.classification):
            return False
        return self.store.delete_document(document_id)

    def documents(self, caller: Caller) -> list[DocumentRecord]:
        """Documents the caller is cleared to see, by id."""
        return self.store.list_documents(max_rank=CLEARANCE_RANK.get(caller.clearance, -1))


def _derived_id(title: str, text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:80]
    return slug or "doc-" + hashlib.sha256(text.encode()).hexdigest()[:12]
