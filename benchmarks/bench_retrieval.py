"""Retrieval speed and quality: the rag-service SQLite backend (in-memory BM25 snapshot, and FTS5 alone)
vs bm25s and rank-bm25, side by side.

Run: python benchmarks/bench_retrieval.py [--sizes 10000 100000] [--queries 300]
Needs `bm25s` and `rank-bm25` (and their numpy/scipy) in the running Python, plus pydantic for the
pattern's models. Imports the platform knowledge package straight from templates/platform through
a throwaway package that links to it, so no project has to be rendered. Writes
benchmarks/results/retrieval.md.

Corpus and queries: no data set can be downloaded here, so the corpus is synthetic: chunks of
60-140 words drawn from a 30,000-word pseudo-English vocabulary with a Zipf (s = 1.05) frequency
curve, like natural text. Queries are known-item queries (Azzopardi, de Rijke & Balog, SIGIR 2007):
2-5 distinct terms drawn from one target chunk with probability proportional to their idf; the
target chunk is the one relevant answer, so recall@5 = share of queries whose target is in the
top 5. Every engine gets the same chunks and the same queries, tokenized the same way (lowercase
whitespace words; no stemming is needed for pseudo-words, though ours applies FTS5's porter as in
production). Latency is per query, single thread, after one warm-up pass, including each engine's
query tokenization; ours also includes reading the winning chunks back from SQLite under the governed
filter. Nothing here is tuned on these queries: BM25 constants are Lucene's/FTS5's defaults.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from report_file import write_report

REPO = Path(__file__).resolve().parents[1]
PLATFORM_DIR = REPO / "templates" / "platform" / "src" / "{{ package_name }}" / "platform"
RESULTS = REPO / "benchmarks" / "results" / "retrieval.md"
SYLLABLES = re.findall(r"\w+", "ka lo mi ne ru ta vo shi pe dra gon li mar sel tin bo qua zer fi hu ja wex yo pla stri")
CHUNKS_PER_DOCUMENT = 100
TOP_K = 5


def load_store_module(workdir: Path):
    """Import the platform knowledge service's models and SQLite store in place (`benchbed.platform`)."""
    package = workdir / "benchbed"
    package.mkdir()
    (package / "__init__.py").write_text('ENV_PREFIX = "BENCH_"\nPROJECT_SLUG = "bench"\nPROJECT_NAME = "Bench"\n')
    (package / "platform").symlink_to(PLATFORM_DIR, target_is_directory=True)
    sys.path.insert(0, str(workdir))
    from benchbed.platform.knowledge.retrieval import models, sqlite_store

    return models, sqlite_store


def synthetic_corpus(size: int, seed: int = 7, vocabulary: int = 30_000) -> list[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < vocabulary:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    ranked = sorted(words)
    rng.shuffle(ranked)
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(ranked))))
    return [" ".join(rng.choices(ranked, cum_weights=cumulative, k=rng.randint(60, 140))) for _ in range(size)]


def known_item_queries(chunks: list[str], count: int, seed: int = 11) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    frequency = Counter(word for chunk in chunks for word in set(chunk.split()))
    queries = []
    for _ in range(count):
        target = rng.randrange(len(chunks))
        words = sorted(set(chunks[target].split()))
        weights = [math.log(len(chunks) / frequency[word]) for word in words]
        terms: list[str] = []
        wanted = rng.randint(2, 5)
        while len(terms) < wanted:
            word = rng.choices(words, weights=weights)[0]
            if word not in terms:
                terms.append(word)
        queries.append((" ".join(terms), target))
    return queries


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def measure(search, queries: list[tuple[str, int]]) -> tuple[float, float, float]:
    """p50 and p95 latency in ms and recall@5 over one pass of the queries."""
    latencies, hits = [], 0
    for query, target in queries:
        started = time.perf_counter()
        found = search(query)
        latencies.append((time.perf_counter() - started) * 1000)
        hits += target in found
    return percentile(latencies, 0.5), percentile(latencies, 0.95), hits / len(queries)


def build_ours(models, sqlite_store, chunks: list[str], workdir: Path) -> list[tuple]:
    path = workdir / f"index-{len(chunks)}.sqlite3"
    store = sqlite_store.SqliteChunkStore(path, memory_index=False)
    today = date(2026, 11, 1)
    uses = ("question-answering",)
    started = time.perf_counter()
    for first in range(0, len(chunks), CHUNKS_PER_DOCUMENT):
        doc_id = f"doc{first}"
        batch = chunks[first : first + CHUNKS_PER_DOCUMENT]
        document = models.DocumentRecord(
            doc_id, doc_id, doc_id, "bench", "internal", None, today, uses, "text", "bench",
            f"h{first}", f"f{first}", len(batch), "now",
        )  # fmt: skip
        records = [
            models.ChunkRecord(f"{first + n}", doc_id, n, "", text, 0, len(text), "internal", today, uses)
            for n, text in enumerate(batch)
        ]
        store.replace_document(document, records)
    ingest_s = time.perf_counter() - started
    memory = sqlite_store.SqliteChunkStore(path, memory_index=True)
    started = time.perf_counter()
    assert memory.refresh_memory_index(), "in-memory snapshot rejected (terms differ from FTS5's)"
    snapshot_s = time.perf_counter() - started
    where = models.SearchFilter.for_clearance("confidential", "question-answering")

    def in_memory(query: str) -> set[int]:
        return {int(hit.chunk.id) for hit in memory.search_text(query, where, TOP_K)}

    def pruned(query: str) -> set[int]:
        return {int(hit.chunk.id) for hit in store.search_text(query, where, TOP_K)}

    def full(query: str) -> set[int]:
        terms = " OR ".join(f'"{term}"' for term in query.split())
        return {int(row[0]) for row in store._fts_query(terms, where, TOP_K)}

    return [
        (f"rag-service SQLite + in-memory BM25 (default; snapshot built in {snapshot_s:.1f} s)", ingest_s, in_memory),
        ("same index, FTS5 only (RAG_MEMORY_INDEX=false; rank-safe pruning)", None, pruned),
        ("same index, plain FTS5 OR query (no pruning)", None, full),
    ]


def load_embeddings():
    """The platform's wordllama embedder, loaded from its file (the gateway package needs the web stack)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_local_embeddings", PLATFORM_DIR / "gateway" / "local_embeddings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_hybrid(models, sqlite_store, chunks: list[str], workdir: Path) -> tuple:
    """The knowledge service's default: BM25 + wordllama vectors fused by RRF, support scored, documents read."""
    from benchbed.platform.knowledge.retrieval.retriever import Retriever
    from benchbed.platform.knowledge.settings import KnowledgeSettings

    embeddings = load_embeddings()
    path = workdir / f"hybrid-{len(chunks)}.sqlite3"
    store = sqlite_store.SqliteChunkStore(path, memory_index=True)
    today = date(2026, 11, 1)
    uses = ("question-answering",)
    started = time.perf_counter()
    for first in range(0, len(chunks), CHUNKS_PER_DOCUMENT):
        doc_id = f"doc{first}"
        batch = chunks[first : first + CHUNKS_PER_DOCUMENT]
        vectors = embeddings.embed_matrix(batch)
        document = models.DocumentRecord(
            doc_id, doc_id, doc_id, "bench", "internal", None, today, uses, "text", "bench",
            f"h{first}", f"f{first}", len(batch), "now",
        )  # fmt: skip
        records = [
            models.ChunkRecord(
                f"{first + n}", doc_id, n, "", text, 0, len(text), "internal", today, uses, tuple(vectors[n].tolist())
            )
            for n, text in enumerate(batch)
        ]
        store.replace_document(document, records)
    ingest_s = time.perf_counter() - started
    assert store.refresh_memory_index(), "in-memory snapshot rejected (terms differ from FTS5's)"
    settings = KnowledgeSettings(hybrid=True, max_chunks_per_document=CHUNKS_PER_DOCUMENT)
    retriever = Retriever(store, settings, embed=embeddings.wordllama_embeddings, today=lambda: today)

    def search(query: str) -> set[int]:
        return {int(hit.chunk.id) for hit in retriever.search(query, "confidential", limit=TOP_K)}

    name = "knowledge service hybrid (BM25 + wordllama vectors, RRF, support scored; embed + read back included)"
    return (name, ingest_s, search)


def build_bm25s(chunks: list[str]) -> tuple:
    import bm25s

    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(chunks, stopwords=None, stemmer=None, show_progress=False), show_progress=False)
    index_s = time.perf_counter() - started

    def search(query: str) -> set[int]:
        tokens = bm25s.tokenize([query], stopwords=None, stemmer=None, show_progress=False)
        documents, _ = retriever.retrieve(tokens, k=TOP_K, show_progress=False, n_threads=1)
        return {int(index) for index in documents[0]}

    return ("bm25s (numpy/scipy, in memory)", index_s, search)


def build_rank_bm25(chunks: list[str]) -> tuple:
    import numpy
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    model = BM25Okapi([chunk.split() for chunk in chunks])
    index_s = time.perf_counter() - started

    def search(query: str) -> set[int]:
        scores = model.get_scores(query.lower().split())
        return {int(index) for index in numpy.argpartition(-scores, TOP_K)[:TOP_K]}

    return ("rank-bm25 BM25Okapi (pure Python + numpy)", index_s, search)


def run_rounds(engines: list[tuple], queries, rounds: int) -> list[tuple]:
    """A warm-up pass, then `rounds` passes with the engines interleaved; the median pass of each.

    The machine is shared, so a burst of other work lands on one pass of every engine rather than
    on all passes of one.
    """
    for _, _, search in engines:
        for query, _ in queries:
            search(query)
    passes: list[list[tuple[float, float, float]]] = [[] for _ in engines]
    for _ in range(rounds):
        for index, (_, _, search) in enumerate(engines):
            passes[index].append(measure(search, queries))
    rows = []
    for (name, build_s, _), results in zip(engines, passes, strict=True):
        p50, p95, recall = (statistics.median(values) for values in zip(*results, strict=True))
        rows.append((name, build_s, p50, p95, recall))
    return rows


def table(results: dict[int, list[tuple]]) -> str:
    lines = [
        "| chunks | engine | index build s (chunks/s) | p50 ms | p95 ms | recall@5 |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for size, rows in results.items():
        for name, build_s, p50, p95, recall in rows:
            build = f"{build_s:.1f} ({size / build_s:,.0f})" if build_s else "(same index)"
            lines.append(f"| {size:,} | {name} | {build} | {p50:.2f} | {p95:.2f} | {recall:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="measured passes per engine (median reported)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    results: dict[int, list[tuple]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        models, sqlite_store = load_store_module(workdir)
        for size in args.sizes:
            chunks = synthetic_corpus(size)
            queries = known_item_queries(chunks, args.queries)
            print(f"{size:,} chunks, {len(queries)} queries ...", flush=True)
            engines = [
                *build_ours(models, sqlite_store, chunks, workdir),
                build_hybrid(models, sqlite_store, chunks, workdir),
                build_bm25s(chunks),
                build_rank_bm25(chunks),
            ]
            results[size] = run_rounds(engines, queries, args.rounds)
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
    machine += f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs"
    body = table(results)
    verdict = []
    for size, rows in results.items():
        ours, hybrid, bm25s_row, rank_row = rows[0], rows[-3], rows[-2], rows[-1]
        verdict.append(
            f"- {size:,} chunks: BM25 p95 {ours[3]:.1f} ms ({ours[3] / bm25s_row[3]:.1f}x bm25s), "
            f"hybrid p95 {hybrid[3]:.1f} ms ({hybrid[3] / bm25s_row[3]:.1f}x bm25s); "
            f"recall@5 {ours[4]:.3f} (hybrid {hybrid[4]:.3f}) vs rank-bm25 {rank_row[4]:.3f}"
        )
    report = (
        "# Retrieval benchmark\n\n"
        f"`python benchmarks/bench_retrieval.py` on {machine}; {args.queries} known-item queries per size, "
        f"top {TOP_K}, one thread; p50/p95 per pass over the queries, median of {args.rounds} interleaved passes "
        f"after a warm-up pass.\n\n{body}\n\n"
        + "\n".join(verdict)
        + "\n\nTargets (issues): p95 <= 25 ms at 100k chunks, within 2x of bm25s, recall@5 >= rank-bm25's; "
        "with hybrid on, p95 at 100k within 2x of bm25s.\n"
        "The hybrid row is the knowledge service's default search: question embedded (wordllama), BM25 and\n"
        "vector search (sign-bit prefilter + exact cosine above 512 chunks) over the snapshot, RRF, per-document\n"
        "cap, support from stored vectors, documents read back. The synthetic pseudo-words mean little to\n"
        "wordllama, so its recall here says nothing about quality on real text (see bench_knowledge.py); its\n"
        "latency is the point.\n"
        "Both rag-service rows apply the clearance, permitted-use and freshness filter before the top-k: the\n"
        "in-memory index as a boolean mask over its snapshot, then again in SQL when it reads the winners back;\n"
        "FTS5 inside its SQL query. Ingest time is the SQLite/FTS5 write; the snapshot is built from it after.\n"
    )
    write_report(args.out, report)


if __name__ == "__main__":
    main()
