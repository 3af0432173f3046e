"""Rank-safe pruning for BM25 queries: the same ranking as a full query, at a fraction of the cost.

Why: FTS5 scores every row that matches any query term, so a question with one common
word ("policy", "employee") costs a pass over most of the index, while common terms
add little to BM25 (low idf). Split the terms at a document-frequency cut into `rare`
and `common`; every chunk that matches at least one term is then in exactly one group:

- A: matches a rare and a common term. One query `(rare) AND (common)` scores these
  exactly (every term appears once in it) and only they are scored.
- B: matches rare terms only; its full score *is* its rare-terms score. The best
  `limit` of `(rare)` contain every B chunk that can make the top `limit` (a chunk
  ranked lower there has `limit` chunks scoring at least as much, in full).
- C: matches common terms only; it scores at most `QueryPlan.common_bound`.

So the merged best of A and B is exact whenever its `limit`-th score reaches C's bound
(the MaxScore argument); otherwise the rarest common term moves to the rare side and we try
again, which ends at the full query in the worst case. Scores follow FTS5's
`bm25()` (sqlite/ext/fts5/fts5_aux.c): a term adds idf * f*(k1+1)/(f + K) with
idf = ln((N - n + 0.5)/(n + 0.5)) floored at 1e-6, and f/(f + K) < 1 for any term
frequency, column weight or length, so a term never adds more than idf * (k1 + 1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

K1 = 1.2
MIN_IDF = 1e-6


@dataclass(frozen=True)
class QueryPlan:
    """Which terms select candidates (`rare`) and which only add to their scores (`common`)."""

    rare: tuple[str, ...]
    common: tuple[str, ...]
    frequencies: dict[str, int]
    rows: int

    @property
    def common_bound(self) -> float:
        """The most the common terms can add to a chunk that has no rare term."""
        return sum(idf(self.rows, self.frequencies[term]) * (K1 + 1) for term in self.common)

    def widened(self) -> QueryPlan:
        """Move the rarest common term to the rare side: a lower bound, at the cost of more candidates."""
        promoted = min(self.common, key=self.frequencies.__getitem__)
        common = tuple(term for term in self.common if term != promoted)
        return QueryPlan((*self.rare, promoted), common, self.frequencies, self.rows)


def idf(rows: int, hits: int) -> float:
    value = math.log((rows - hits + 0.5) / (hits + 0.5))
    return value if value > 0 else MIN_IDF


def plan_query(frequencies: dict[str, int], rows: int, *, common_fraction: float) -> QueryPlan:
    """Split the terms found in the index at `common_fraction` of all chunks."""
    known = {term: hits for term, hits in frequencies.items() if hits > 0}
    cut = common_fraction * rows
    rare = [term for term, hits in known.items() if hits <= cut]
    if not rare and known:
        rare = [min(known, key=known.__getitem__)]
    return QueryPlan(tuple(rare), tuple(term for term in known if term not in rare), known, rows)


def is_rank_safe(scores: Sequence[float], *, limit: int, common_bound: float) -> bool:
    """True when no chunk matching only common terms can enter the top `limit`."""
    if common_bound == 0.0:
        return True
    if len(scores) < limit:
        return False
    return sorted(scores, reverse=True)[limit - 1] >= common_bound
