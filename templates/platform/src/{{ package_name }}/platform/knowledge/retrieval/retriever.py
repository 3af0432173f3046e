"""Governed retrieval: clearance, permitted use and freshness applied to every search.

The backend filters inside its query; this module then checks every hit again with
the same rule and fails closed if a backend ever returns something it should not
(a bug there must not become a leak). Text and vector result lists are merged with
reciprocal rank fusion (RRF), which needs no score calibration between them; at most
`max_chunks_per_document` chunks of one document enter the top k, so a long document
cannot crowd out short ones. Chunks of sections that point elsewhere ("See also",
"References") or hold code ("Examples") count as ranked lower (`demoted_sections`).
Each hit carries its `support`: the cosine similarity of the question and the chunk,
an absolute number (RRF scores are only ranks) that the
service compares with `min_support` before answering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ...errors import RetrievalLeak
from ..settings import KnowledgeSettings
from .models import ChunkRecord, DocumentRecord, ScoredChunk, SearchFilter
from .store import ChunkStore

RRF_K = 60
HEADING_SEPARATOR = " > "
POOL_PER_RESULT = 4

Embedder = Callable[[Sequence[str]], list[list[float]]]


@dataclass(frozen=True)
class RetrievedChunk:
    """A chunk chosen for the prompt, with its document and why it ranked where it did.

    `rank` is 1-based; `score` is the fused (RRF) score; `support` the question/chunk cosine
    similarity (None without an embedder).
    """

    chunk: ChunkRecord
    document: DocumentRecord
    score: float
    stale: bool
    rank: int = 0
    support: float | None = None


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
        config: KnowledgeSettings,
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
        query_vector = self.embed([question])[0] if self.embed is not None else None
        if self.config.hybrid and query_vector is not None:
            result_lists = list(self.store.search_hybrid(question, query_vector, where, pool))
        else:
            result_lists = [self.store.search_text(question, where, pool)]
        for results in result_lists:
            leaked = [hit.chunk.id for hit in results if not where.admits(hit.chunk)]
            if leaked:
                raise RetrievalLeak(
                    f"{RetrievalLeak.control}: backend returned {len(leaked)} chunk(s) outside the caller's "
                    f"clearance/purpose/freshness filter ({', '.join(leaked[:3])}); request refused"
                )
        penalty = 1.0 / self.config.stale_penalty
        demoted = {name.casefold() for name in self.config.demoted_sections}

        def demotion(chunk: ChunkRecord) -> float:
            stale = penalty if chunk.updated_date < cutoff else 1.0
            return stale * (self.config.section_demotion if section_of(chunk.heading) in demoted else 1.0)

        fused = _capped(reciprocal_rank_fusion(result_lists, demotion=demotion), self.config.max_chunks_per_document)
        fused = fused[:limit]
        supports = self._supports(query_vector, [chunk for chunk, _ in fused], result_lists[1:])
        documents: dict[str, DocumentRecord | None] = {}
        retrieved = []
        for chunk, score in fused:
            if chunk.document_id not in documents:
                documents[chunk.document_id] = self.store.get_document(chunk.document_id)
            document = documents[chunk.document_id]
            if document is not None:  # deleted between search and lookup: drop, never guess
                stale = chunk.updated_date < cutoff
                rank = len(retrieved) + 1
                retrieved.append(RetrievedChunk(chunk, document, score, stale, rank, supports.get(chunk.id)))
        return retrieved

    def _supports(
        self, query: Sequence[float] | None, chunks: list[ChunkRecord], vector_lists: list[list[ScoredChunk]]
    ) -> dict[str, float]:
        """Question/chunk cosine similarity: from the vector search where it scored the chunk, else from the
        chunk's stored vector, else embedded now (an index built without vectors)."""
        if query is None or not chunks:
            return {}
        known = {hit.chunk.id: hit.score for results in vector_lists for hit in results}
        stored = self.store.embeddings([chunk.id for chunk in chunks if chunk.id not in known])
        known.update(zip(stored, _cosines(query, list(stored.values())), strict=True))
        missing = [chunk for chunk in chunks if chunk.id not in known]
        if missing and self.embed is not None:
            vectors = self.embed([embedding_text(chunk.heading, chunk.text) for chunk in missing])
            known.update(zip((chunk.id for chunk in missing), _cosines(query, vectors), strict=True))
        return {chunk.id: known[chunk.id] for chunk in chunks if chunk.id in known}


def section_of(heading: str) -> str:
    """The chunk's own section title, case-folded: the last part of its heading path ("doc > Parameters")."""
    return heading.rsplit(HEADING_SEPARATOR, 1)[-1].strip().casefold()


def embedding_text(heading: str, text: str) -> str:
    """What is embedded for a chunk, at ingest and when its support is measured: heading path, then text."""
    return f"{heading}\n{text}" if heading else text


def _capped(fused: list[tuple[ChunkRecord, float]], per_document: int) -> list[tuple[ChunkRecord, float]]:
    """Keep ranking order, dropping a document's chunks beyond the first `per_document`."""
    counts: dict[str, int] = {}
    kept = []
    for chunk, score in fused:
        counts[chunk.document_id] = counts.get(chunk.document_id, 0) + 1
        if counts[chunk.document_id] <= per_document:
            kept.append((chunk, score))
    return kept


def _cosines(query: Sequence[float], vectors: Sequence[Sequence[float]]) -> list[float]:
    """Cosine similarity of `query` with each vector (0 for a zero vector), in one matrix product."""
    import numpy as np

    if not len(vectors):
        return []
    matrix = np.asarray(vectors, np.float32)
    target = np.asarray(query, np.float32)
    norms = np.linalg.norm(matrix, axis=1) * np.linalg.norm(target)
    dots = matrix @ target
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0).tolist()
