"""Governed retrieval: clearance, permitted use and freshness applied to every search.

The backend filters inside its query; this module then checks every hit again with
the same rule and fails closed if a backend ever returns something it should not
(a bug there must not become a leak). Text and vector result lists are merged with
reciprocal rank fusion (RRF), which needs no score calibration between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ..config import RagSettings
from .models import ChunkRecord, DocumentRecord, ScoredChunk, SearchFilter
from .store import ChunkStore

RRF_K = 60
POOL_PER_RESULT = 4

Embedder = Callable[[Sequence[str]], list[list[float]]]


class RetrievalLeak(RuntimeError):
    """A backend returned a chunk the caller may not see; the request is refused, never answered."""

    control = "retrieval.clearance"


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk chosen for the prompt, with its document and why it ranked where it did."""

    chunk: ChunkRecord
    document: DocumentRecord
    score: float
    stale: bool


def reciprocal_rank_fusion(
    result_lists: Sequence[Sequence[ScoredChunk]],
    *,
    k: int = RRF_K,
    demotion: Callable[[ChunkRecord], float] = lambda chunk: 1.0,
) -> list[tuple[ChunkRecord, float]]:
    """Sum of 1 / (k + rank * demotion) over the lists a chunk appears in; best first.

    `demotion` > 1 counts a chunk as ranked lower than it was (used for stale documents).
    """
    fused: dict[str, tuple[ChunkRecord, float]] = {}
    for results in result_lists:
        for rank, hit in enumerate(results, start=1):
            chunk, score = fused.get(hit.chunk.id, (hit.chunk, 0.0))
            fused[hit.chunk.id] = (chunk, score + 1.0 / (k + rank * demotion(hit.chunk)))
    return sorted(fused.values(), key=lambda item: (-item[1], item[0].id))


class Retriever:
    """Finds the chunks a caller may see that best answer a question."""

    def __init__(
        self,
        store: ChunkStore,
        config: RagSettings,
        *,
        embed: Embedder | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.config = config
        self.embed = embed
        self.today = today

    def search(self, question: str, clearance: str, *, limit: int | None = None) -> list[RetrievedChunk]:
        limit = limit or self.config.top_k
        cutoff = self.today() - timedelta(days=self.config.freshness_days)
        exclude_stale = self.config.stale_policy == "exclude"
        where = SearchFilter.for_clearance(clearance, self.config.purpose, cutoff if exclude_stale else None)
        pool = limit * POOL_PER_RESULT
        result_lists = [self.store.search_text(question, where, pool)]
        if self.embed is not None:
            result_lists.append(self.store.search_vector(self.embed([question])[0], where, pool))
        for results in result_lists:
            leaked = [hit.chunk.id for hit in results if not where.admits(hit.chunk)]
            if leaked:
                raise RetrievalLeak(
                    f"{RetrievalLeak.control}: backend returned {len(leaked)} chunk(s) outside the caller's "
                    f"clearance/purpose/freshness filter ({', '.join(leaked[:3])}); request refused"
                )
        penalty = 1.0 / self.config.stale_penalty

        def demotion(chunk: ChunkRecord) -> float:
            return penalty if chunk.updated_date < cutoff else 1.0

        fused = reciprocal_rank_fusion(result_lists, demotion=demotion)[:limit]
        documents: dict[str, DocumentRecord | None] = {}
        retrieved = []
        for chunk, score in fused:
            if chunk.document_id not in documents:
                documents[chunk.document_id] = self.store.get_document(chunk.document_id)
            document = documents[chunk.document_id]
            if document is not None:  # deleted between search and lookup: drop, never guess
                retrieved.append(RetrievedChunk(chunk, document, score, chunk.updated_date < cutoff))
        return retrieved
