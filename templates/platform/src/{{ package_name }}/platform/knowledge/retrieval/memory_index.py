"""An in-process BM25 index over the SQLite chunk table: the same answers as FTS5's terms, 3-5x faster.

Why: FTS5 walks a B-tree per query term and scores row by row in the virtual-table layer; at 100k
chunks that cost 5x what a vectorised scorer needs. This index is a read-only *snapshot* of the
`chunks` table (SQLite stays the source of truth): postings as numpy arrays with each posting's BM25
term-frequency part precomputed, so a query is a few array additions plus a top-k. The store
(sqlite_store.py) rebuilds it when `index_version` moves and never serves a stale snapshot.

Scoring is FTS5's `bm25()` shape (heading x2 weighted term frequency, code terms counted with the body,
row length over all columns,
k1 = 1.2, b = 0.75) with Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)): it is never negative, so a
term in more than half the chunks still counts, where FTS5 floors it to ~0 and ranks by the rare
words alone. Terms come from FTS5's own recipe (unicode61, remove_diacritics 2, porter; see
porter.py), and `SqliteChunkStore` checks every snapshot's document frequencies against FTS5's
vocabulary before using it, so a tokenizer difference falls back to FTS5 instead of changing answers.

Governance: clearance, permitted use and freshness are a boolean mask over all chunks, applied
before the top-k, so hidden chunks neither appear nor take a slot from a visible one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from .bm25 import K1
from .models import SearchFilter
from .porter import stem

B = 0.75
HEADING_WEIGHT = 2.0
MASK_CACHE_ENTRIES = 64
# Vector search above this many chunks: sign-bit prefilter, then exact cosine on the candidates.
RESCORE_CANDIDATES = 512
RESCORE_PER_RESULT = 32
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_WORD = re.compile(r"[^\W_]+")

# One chunk as the store reads it: rowid, id, heading, text, clearance rank, updated date (ISO), uses "|a|b|",
# embedding (unit-length float32 bytes, or None), code terms (space-separated, see analysis.py).
ChunkRow = tuple[int, str, str, str, int, str, str, bytes | None, str]


def analyse(text: str) -> list[str]:
    """FTS5's terms for a text: split on non-alphanumerics, lowercase, strip diacritics, porter stem."""
    return [stem(word) for word in _words(text)]


def lucene_idf(rows: int, hits: int) -> float:
    """Lucene's BM25 idf: positive for every term that occurs at all."""
    return math.log(1.0 + (rows - hits + 0.5) / (hits + 0.5))


class _TermIds(dict[str, int]):
    """Surface word -> term id, stemming each distinct word once (the index's vocabulary grows with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: dict[str, int] = {}

    def __missing__(self, word: str) -> int:
        term = stem(word)
        term_id = self.terms.setdefault(term, len(self.terms))
        self[word] = term_id
        return term_id


@dataclass(eq=False)
class MemoryBm25Index:
    """An immutable BM25 snapshot of the chunk table at one `index_version`."""

    version: int
    rowids: np.ndarray  # int64, position -> chunks.rowid
    chunk_ids: list[str]  # position -> chunks.id (checked again when rows are read back)
    terms: dict[str, int]  # term -> term id
    offsets: np.ndarray  # int64, term id -> start of its postings; offsets[-1] = total
    postings: np.ndarray  # int32 chunk positions, grouped by term
    impacts: np.ndarray  # float32, BM25 tf part of each posting: f(k1+1) / (f + k1(1 - b + b dl/avgdl))
    clearance: np.ndarray  # int16 clearance rank per chunk
    updated: np.ndarray  # int32 date ordinal per chunk
    use_codes: np.ndarray  # int32 index into `use_sets` per chunk
    use_sets: list[str]  # distinct "|a|b|" permitted-use strings
    vectors: np.ndarray  # float32 (chunks x dimensions) unit rows; zeros for a chunk without an embedding
    _masks: dict[tuple[int, str, int], np.ndarray] = field(default_factory=dict, repr=False)
    _derived: dict[str, np.ndarray | dict[str, int]] = field(default_factory=dict, repr=False)  # built on first use

    @classmethod
    def build(cls, version: int, rows: Iterable[ChunkRow]) -> MemoryBm25Index:
        vocabulary = _TermIds()
        body, heading = array("i"), array("i")  # term ids of all tokens, chunk after chunk
        body_counts, heading_counts = array("i"), array("i")
        rowids, chunk_ids, clearance, updated = array("q"), [], array("h"), array("i")
        use_index: dict[str, int] = {}
        use_codes = array("i")
        ordinals: dict[str, int] = {}
        blobs: list[bytes | None] = []
        for rowid, chunk_id, heading_text, text, rank, updated_iso, uses, embedding, codes in rows:
            blobs.append(embedding)
            words, heading_words = _words(text) + codes.split(), _words(heading_text)
            body.extend(map(vocabulary.__getitem__, words))
            heading.extend(map(vocabulary.__getitem__, heading_words))
            body_counts.append(len(words))
            heading_counts.append(len(heading_words))
            rowids.append(rowid)
            chunk_ids.append(chunk_id)
            clearance.append(rank)
            if updated_iso not in ordinals:
                ordinals[updated_iso] = date.fromisoformat(updated_iso).toordinal()
            updated.append(ordinals[updated_iso])
            use_codes.append(use_index.setdefault(uses, len(use_index)))
        size = len(chunk_ids)
        counts = np.frombuffer(body_counts, np.int32), np.frombuffer(heading_counts, np.int32)
        positions = np.concatenate([np.repeat(np.arange(size, dtype=np.int64), count) for count in counts])
        term_ids = np.concatenate([np.frombuffer(body, np.int32), np.frombuffer(heading, np.int32)]).astype(np.int64)
        weights = np.concatenate([np.ones(len(body)), np.full(len(heading), HEADING_WEIGHT)])
        # One posting per (term, chunk): sort by term then chunk, sum the column-weighted frequencies.
        keys, inverse = np.unique(term_ids * max(size, 1) + positions, return_inverse=True)
        frequency = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
        posting_terms, postings = np.divmod(keys, max(size, 1))
        lengths = (counts[0] + counts[1]).astype(np.float64)
        average = lengths.mean() if size and lengths.sum() else 1.0
        norm = K1 * (1.0 - B + B * lengths[postings] / average)
        impacts = frequency * (K1 + 1.0) / (frequency + norm)
        return cls(
            version=version,
            rowids=np.frombuffer(rowids, np.int64).copy(),
            chunk_ids=chunk_ids,
            terms=vocabulary.terms,
            offsets=np.searchsorted(posting_terms, np.arange(len(vocabulary.terms) + 1)).astype(np.int64),
            postings=postings.astype(np.int32),
            impacts=impacts.astype(np.float32),
            clearance=np.frombuffer(clearance, np.int16).copy(),
            updated=np.frombuffer(updated, np.int32).copy(),
            use_codes=np.frombuffer(use_codes, np.int32).copy(),
            use_sets=list(use_index),
            vectors=_matrix(blobs),
        )

    @property
    def size(self) -> int:
        return len(self.chunk_ids)

    def document_frequencies(self) -> dict[str, int]:
        """Chunks per term, to compare with FTS5's vocabulary (fts5vocab `row`: term, doc)."""
        counts = np.diff(self.offsets)
        return {term: int(counts[term_id]) for term, term_id in self.terms.items()}

    def visible(self, where: SearchFilter) -> np.ndarray:
        """Chunks the filter admits, as a boolean mask; the same rule as sqlite_store's SQL `_FILTER`."""
        since = where.updated_since.toordinal() if where.updated_since else -1
        key = (where.max_rank, where.purpose, since)
        mask = self._masks.get(key)
        if mask is None:
            allowed_sets = [code for code, uses in enumerate(self.use_sets) if f"|{where.purpose}|" in uses]
            mask = (self.clearance <= where.max_rank) & np.isin(self.use_codes, allowed_sets)
            if since >= 0:
                mask &= self.updated >= since
            if len(self._masks) >= MASK_CACHE_ENTRIES:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def search(self, terms: Iterable[str], where: SearchFilter, limit: int) -> list[tuple[int, float]]:
        """Best `limit` visible chunks as (position, score), score descending, ties by position.

        `terms` are stemmed query terms; each occurrence is one clause, as in an FTS5 OR query.
        """
        scores = np.zeros(self.size, np.float32)
        matched = False
        for term in terms:
            term_id = self.terms.get(term)
            if term_id is None:
                continue
            start, end = self.offsets[term_id], self.offsets[term_id + 1]
            weight = np.float32(lucene_idf(self.size, int(end - start)))
            scores[self.postings[start:end]] += weight * self.impacts[start:end]
            matched = True
        if not matched or limit < 1:
            return []
        scores *= self.visible(where)
        candidates = np.flatnonzero(scores)
        if len(candidates) > limit:  # keep every chunk tied with the limit-th, so ties break by position
            cut = -np.partition(-scores[candidates], limit - 1)[limit - 1]
            candidates = candidates[scores[candidates] >= cut]
        order = np.lexsort((candidates, -scores[candidates]))[:limit]
        return [(int(candidates[i]), float(scores[candidates[i]])) for i in order]

    def has_term(self, term: str, where: SearchFilter) -> bool:
        """True when a chunk the filter admits contains the stemmed `term`."""
        term_id = self.terms.get(term)
        if term_id is None:
            return False
        start, end = self.offsets[term_id], self.offsets[term_id + 1]
        return bool(self.visible(where)[self.postings[start:end]].any())

    def search_vector(self, query: np.ndarray, where: SearchFilter, limit: int) -> list[tuple[int, float]]:
        """Best `limit` visible chunks by cosine similarity (rows and query are unit length); chunks
        without an embedding never match.

        Up to RESCORE_CANDIDATES chunks this is exact. Above, the candidates are the nearest by Hamming
        distance of the vectors' sign bits (32 bytes a chunk: ~30x less memory traffic than the float
        matrix, ~0.5 ms at 100k chunks), and only they are scored exactly: the usual binary-quantisation
        prefilter, approximate by design; bench_retrieval.py measures its recall.
        """
        if limit < 1 or not self.vectors.shape[1] or query.shape[0] != self.vectors.shape[1]:
            return []
        query = query.astype(np.float32)
        visible = self.visible(where)
        wanted = max(limit * RESCORE_PER_RESULT, RESCORE_CANDIDATES)
        if self.size > wanted and hasattr(np, "bitwise_count"):
            barrier = self._barrier(where, visible)
            candidates = _nearest_by_bits(self.sign_bits, _sign_words(query[None, :])[0], barrier, wanted)
        else:  # small index (or numpy < 2 without a popcount): exact over every visible chunk
            candidates = np.flatnonzero(visible & self.has_vector)
        scores = self.vectors[candidates] @ query
        if len(candidates) > limit:
            keep = np.argpartition(-scores, limit - 1)[:limit]
            candidates, scores = candidates[keep], scores[keep]
        order = np.lexsort((candidates, -scores))
        return [(int(candidates[i]), float(scores[i])) for i in order]

    def vectors_of(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored (unit) vectors of these chunks; chunks without one, or not in the snapshot, left out."""
        positions = self._derived.get("positions")
        if positions is None:
            positions = self._derived["positions"] = {chunk_id: n for n, chunk_id in enumerate(self.chunk_ids)}
        found = {chunk_id: positions[chunk_id] for chunk_id in chunk_ids if chunk_id in positions}
        return {chunk_id: self.vectors[n] for chunk_id, n in found.items() if self.has_vector[n]}

    @property
    def has_vector(self) -> np.ndarray:
        mask = self._derived.get("has_vector")
        if mask is None:
            mask = self.vectors.any(axis=1) if self.vectors.size else np.zeros(self.size, bool)
            self._derived["has_vector"] = mask
        return mask

    def _barrier(self, where: SearchFilter, visible: np.ndarray) -> np.ndarray:
        """Per chunk, 0 where a vector search may return it, else a distance beyond any real one (uint16)."""
        key = f"barrier:{where.max_rank}:{where.purpose}:{where.updated_since}"
        barrier = self._derived.get(key)
        if barrier is None:
            if len(self._derived) > MASK_CACHE_ENTRIES:
                self._derived = {name: value for name, value in self._derived.items() if ":" not in name}
            far = np.uint16(64 * len(self.sign_bits) + 1)
            barrier = np.where(visible & self.has_vector, np.uint16(0), far).astype(np.uint16)
            self._derived[key] = barrier
        return barrier

    @property
    def sign_bits(self) -> np.ndarray:
        """The vectors' sign bits as 64-bit words, one contiguous array per word (built on first use)."""
        bits = self._derived.get("sign_bits")
        if bits is None:
            bits = self._derived["sign_bits"] = _sign_words(self.vectors).T.copy()
        return bits


def _sign_words(vectors: np.ndarray) -> np.ndarray:
    """Rows of sign bits packed into uint64 words (zero-padded to a multiple of 64 bits)."""
    packed = np.packbits(vectors > 0, axis=1)
    padding = (-packed.shape[1]) % 8
    if padding:
        packed = np.pad(packed, ((0, 0), (0, padding)))
    return np.ascontiguousarray(packed).view(np.uint64)


def _nearest_by_bits(words: np.ndarray, query: np.ndarray, barrier: np.ndarray, wanted: int) -> np.ndarray:
    """Rows under no `barrier` whose Hamming distance to `query` is within the `wanted`-th nearest's (ties kept).

    `words` holds one contiguous array per 64-bit word (a popcount pass each, ~0.1 ms per 100k rows);
    the cut comes from a histogram of the small integer distances instead of a partial sort.
    """
    distance = barrier.copy()
    for column, word in zip(words, query, strict=True):
        distance += np.bitwise_count(column ^ word)
    far = np.uint16(64 * len(words) + 1)
    np.minimum(distance, far, out=distance)
    counts = np.cumsum(np.bincount(distance, minlength=int(far) + 1))
    cutoff = min(int(np.searchsorted(counts, wanted)), int(far) - 1)
    return np.flatnonzero(distance <= cutoff)


def _matrix(blobs: list[bytes | None]) -> np.ndarray:
    """One float32 row per chunk; chunks without a vector get zeros (and never match a vector search)."""
    width = next((len(blob) // 4 for blob in blobs if blob), 0)
    matrix = np.zeros((len(blobs), width), np.float32)
    for position, blob in enumerate(blobs):
        if blob and len(blob) == width * 4:
            matrix[position] = np.frombuffer(blob, np.float32)
    return matrix


def _words(text: str) -> list[str]:
    """Unstemmed folded words (stemming happens once per distinct word in `_TermIds`)."""
    if text.isascii():
        return _ASCII_WORD.findall(text.lower())
    decomposed = unicodedata.normalize("NFD", text.lower())
    return _WORD.findall("".join(char for char in decomposed if not unicodedata.combining(char)))
