"""Embedded default backend: SQLite with FTS5 (BM25 ranking), one file, zero services.

Clearance, permitted use and freshness are filtered inside the SQL query, so a chunk
the caller may not see is never read out of the database for that request. Dense
vectors (hybrid mode) are stored as float32 blobs and scanned exactly; that is fine
for tens of thousands of chunks; beyond that use the PostgreSQL backend (pgvector).

Text search is answered by an in-memory BM25 snapshot of the chunk table (memory_index.py) when
`memory_index` is on: built from SQLite, checked against FTS5's vocabulary, used only while its
`index_version` equals the database's (read in the same transaction as the rows returned), so a
deleted or re-classified chunk is never served from it. While a large snapshot is being rebuilt
after a write, FTS5 answers (rank-safe pruned, see bm25.py).
"""

# ruff: noqa: S608 - SQL is assembled from module constants only; every value is a bound parameter

from __future__ import annotations

import heapq
import json
import logging
import math
import sqlite3
import threading
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ...schema_migrations import Migration, migrate_sqlite
from ...sqlite_db import immediate_transaction
from .analysis import code_terms, search_terms
from .bm25 import is_rank_safe, plan_query
from .models import ChunkRecord, DocumentRecord, ScoredChunk, SearchFilter, listed

if TYPE_CHECKING:
    from .memory_index import MemoryBm25Index

log = logging.getLogger(__name__)

# Full-text index over heading, text and code terms (see analysis.py); recreated by `_migrate` on older files.
FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    heading, text, codes, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_fts_insert AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, heading, text, codes) VALUES (new.rowid, new.heading, new.text, new.codes);
END;
CREATE TRIGGER IF NOT EXISTS chunks_fts_delete AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, heading, text, codes)
    VALUES ('delete', old.rowid, old.heading, old.text, old.codes);
END;
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source TEXT NOT NULL,
    owner TEXT NOT NULL,
    classification TEXT NOT NULL,
    effective_date TEXT,
    updated_date TEXT NOT NULL,
    permissible_use TEXT NOT NULL,
    format TEXT NOT NULL,
    origin TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_content_hash ON documents(content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    heading TEXT NOT NULL,
    text TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    clearance_rank INTEGER NOT NULL,
    updated_date TEXT NOT NULL,
    uses TEXT NOT NULL,
    embedding BLOB,
    codes TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_document ON chunks(document_id);
{fts}CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta(key, value) VALUES ('index_version', '0');
"""
# Version 1: SCHEMA, with index files from before code terms upgraded in place by _migrate().
MIGRATIONS = (Migration(1, "documents, chunks with code terms, full-text index, meta"),)

# Headings weigh twice as much as body text: a question naming a section should find it.
HEADING_WEIGHT = 2.0
BM25 = f"bm25(chunks_fts, {HEADING_WEIGHT}, 1.0, 1.0)"
# Terms in more than this share of chunks never select candidates on their own (see bm25.py).
COMMON_FRACTION = 0.05
FREQUENCY_CACHE_TERMS = 50_000
_CHUNK_COLUMNS = (
    "c.id, c.document_id, c.ordinal, c.heading, c.text, c.start_offset, c.end_offset, "
    "c.clearance_rank, c.updated_date, c.uses"
)
_FILTER = "c.clearance_rank <= ? AND instr(c.uses, ?) > 0 AND c.updated_date >= ?"
# Up to this many chunks a stale in-memory snapshot is rebuilt inside the query (<= ~0.3 s);
# above it a background thread rebuilds while FTS5 answers, so a write never stalls a query.
SYNC_REBUILD_CHUNKS = 10_000
_VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.chunks_vocab USING fts5vocab(main, chunks_fts, row)"
_SNAPSHOT_ROWS = (
    "SELECT rowid, id, heading, text, clearance_rank, updated_date, uses, embedding, codes FROM chunks ORDER BY rowid"
)


class SqliteChunkStore:
    """`ChunkStore` on one SQLite file; one connection per thread (WAL lets readers run in parallel)."""

    def __init__(self, path: Path, *, memory_index: bool = True) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._frequencies: tuple[int, int, dict[str, int]] | None = None
        _migrate(self._connection())
        migrate_sqlite(self._connection(), "index", MIGRATIONS)
        self.memory_index = memory_index
        if memory_index:
            try:
                import numpy  # noqa: F401 - the in-memory index's only extra dependency
            except ImportError as error:
                raise ImportError(
                    "the in-memory index (memory_index=true) needs numpy: "
                    "pip install numpy, or set memory_index to false"
                ) from error
        self._snapshot: MemoryBm25Index | None = None
        self._snapshot_lock = threading.Lock()  # one synchronous build at a time
        self._builder_lock = threading.Lock()  # one background builder at a time
        self._rejected_version: int | None = None  # a snapshot that disagreed with FTS5: not retried
        self._builder: threading.Thread | None = None

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = self._open()
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("PRAGMA busy_timeout=5000")
        return connection

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with immediate_transaction(self._connection()) as connection:
            yield connection
            connection.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'index_version'")

    def replace_document(self, document: DocumentRecord, chunks: Sequence[ChunkRecord]) -> None:
        with self._write() as connection:
            connection.execute("DELETE FROM chunks WHERE document_id = ?", (document.id,))
            connection.execute("DELETE FROM documents WHERE id = ?", (document.id,))
            connection.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                document.to_row(day=_iso, uses=lambda uses: json.dumps(list(uses))),
            )
            connection.executemany(
                "INSERT INTO chunks(id, document_id, ordinal, heading, text, start_offset, end_offset, "
                "clearance_rank, updated_date, uses, embedding, codes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        *chunk.row_head(),
                        chunk.updated_date.isoformat(),
                        _encode_uses(chunk.permissible_use),
                        _encode_vector(chunk.embedding),
                        " ".join(code_terms(f"{chunk.heading}\n{chunk.text}")),
                    )
                    for chunk in chunks
                ],
            )

    def delete_document(self, document_id: str) -> bool:
        with self._write() as connection:
            connection.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))
            return connection.execute("DELETE FROM documents WHERE id = ?", (document_id,)).rowcount > 0

    def get_document(self, document_id: str) -> DocumentRecord | None:
        row = self._connection().execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
        return _document(row) if row else None

    def list_documents(self, *, max_rank: int | None = None, origin: str | None = None) -> list[DocumentRecord]:
        rows = self._connection().execute("SELECT * FROM documents ORDER BY id").fetchall()
        return listed([_document(row) for row in rows], max_rank=max_rank, origin=origin)

    def find_by_content_hash(self, content_hash: str) -> DocumentRecord | None:
        row = (
            self._connection()
            .execute("SELECT * FROM documents WHERE content_hash = ? ORDER BY id LIMIT 1", (content_hash,))
            .fetchone()
        )
        return _document(row) if row else None

    def search_text(self, query: str, where: SearchFilter, limit: int) -> list[ScoredChunk]:
        """The in-memory snapshot's BM25 when it is current, else FTS5's (rank-safe pruned)."""
        if limit < 1:
            return []
        if self.memory_index:
            found = self._search_snapshot(query, where, limit)
            if found is not None:
                return found
        return self._search_fts(query, where, limit)

    def _search_snapshot(self, query: str, where: SearchFilter, limit: int) -> list[ScoredChunk] | None:
        """Score in memory, read the winners back under the SQL filter; None when no current snapshot."""
        from .porter import stem

        terms = [stem(term) for term in search_terms(query)]
        return self._read_back(lambda snapshot: snapshot.search(terms, where, limit), where)

    def _read_back(self, search, where: SearchFilter) -> list[ScoredChunk] | None:
        """Run `search(snapshot)` on the current snapshot and read its winners back under the SQL filter."""
        found = self._read_back_many(lambda snapshot: [search(snapshot)], where)
        return None if found is None else found[0]

    def _read_back_many(self, searches, where: SearchFilter) -> list[list[ScoredChunk]] | None:
        """`searches(snapshot)` gives several hit lists; their chunks are read back in one query under the filter."""
        connection = self._connection()
        connection.execute("BEGIN")  # one read snapshot: the version checked is the data returned
        try:
            snapshot = self._current_snapshot(connection, self.index_version())
            if snapshot is None:
                return None
            lists = searches(snapshot)
            rowids = sorted({int(snapshot.rowids[position]) for hits in lists for position, _ in hits})
            rows = (
                connection.execute(
                    f"SELECT {_CHUNK_COLUMNS}, c.rowid FROM chunks c "
                    f"WHERE c.rowid IN ({', '.join('?' * len(rowids))}) AND {_FILTER}",
                    (*rowids, *_filter_args(where)),
                ).fetchall()
                if rowids
                else []
            )
        finally:
            connection.execute("COMMIT")
        by_rowid = {row[-1]: row for row in rows}
        chunks: dict[int, ChunkRecord] = {}
        found = []
        for hits in lists:
            kept = []
            for position, score in hits:
                row = by_rowid.get(int(snapshot.rowids[position]))
                if row is not None and row[0] == snapshot.chunk_ids[position]:  # the SQL filter has the last word
                    chunk = chunks.setdefault(position, _chunk(row))
                    kept.append(ScoredChunk(chunk, score))
            found.append(kept)
        return found

    def search_hybrid(
        self, query: str, vector: Sequence[float], where: SearchFilter, limit: int
    ) -> tuple[list[ScoredChunk], list[ScoredChunk]]:
        """Both searches on one snapshot, their chunks read back in one query; else each on its own."""
        unit = _normalised(vector)
        if self.memory_index and unit is not None and limit >= 1:
            import numpy as np

            from .porter import stem

            terms = [stem(term) for term in search_terms(query)]
            array = np.asarray(unit, np.float32)
            found = self._read_back_many(
                lambda snapshot: [snapshot.search(terms, where, limit), snapshot.search_vector(array, where, limit)],
                where,
            )
            if found is not None:
                return found[0], found[1]
        return self.search_text(query, where, limit), self.search_vector(vector, where, limit)

    def _snapshot_now(self) -> MemoryBm25Index | None:
        """The current snapshot, checked against the index version in one read transaction (None: use SQL)."""
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            return self._current_snapshot(connection, self.index_version())
        finally:
            connection.execute("COMMIT")

    def _current_snapshot(self, connection: sqlite3.Connection, version: int) -> MemoryBm25Index | None:
        """The snapshot for `version`: built now when small, else started in the background (None meanwhile)."""
        snapshot = self._snapshot
        if snapshot is not None and snapshot.version == version:
            return snapshot
        if self._rejected_version == version:
            return None
        chunks = connection.execute("SELECT count(*) FROM chunks").fetchone()[0]
        if chunks > SYNC_REBUILD_CHUNKS:
            with self._builder_lock:
                if self._builder is None or not self._builder.is_alive():
                    self._builder = threading.Thread(target=self._rebuild, name="knowledge-memory-index", daemon=True)
                    self._builder.start()
            return None
        with self._snapshot_lock:
            if self._snapshot is None or self._snapshot.version != version:
                self._build_snapshot(connection, version)
            return self._snapshot if self._snapshot and self._snapshot.version == version else None

    def refresh_memory_index(self) -> bool:
        """Build the in-memory snapshot now, whatever the size (start-up warm-up, benchmarks); True when in use."""
        if not self.memory_index:
            return False
        connection = self._connection()
        connection.execute("BEGIN")
        try:
            version = self.index_version()
            with self._snapshot_lock:
                if self._snapshot is None or self._snapshot.version != version:
                    self._build_snapshot(connection, version)
            return self._snapshot is not None and self._snapshot.version == version
        finally:
            connection.execute("COMMIT")

    def _rebuild(self) -> None:
        """Background rebuild on this thread's own connection, in one read transaction."""
        try:
            connection = self._open()
            try:
                connection.execute("BEGIN")
                version = int(connection.execute("SELECT value FROM meta WHERE key = 'index_version'").fetchone()[0])
                self._build_snapshot(connection, version)
                connection.execute("COMMIT")
            finally:
                connection.close()
        except sqlite3.Error as error:  # e.g. the store was closed meanwhile: FTS5 keeps answering
            log.warning("in-memory BM25 rebuild stopped: %s", error)

    def _build_snapshot(self, connection: sqlite3.Connection, version: int) -> None:
        """Build from the chunk table; keep it only if every term's document frequency equals FTS5's."""
        from .memory_index import MemoryBm25Index

        snapshot = MemoryBm25Index.build(version, connection.execute(_SNAPSHOT_ROWS))
        connection.execute(_VOCABULARY)
        fts = dict(connection.execute("SELECT term, doc FROM temp.chunks_vocab").fetchall())
        ours = snapshot.document_frequencies()
        if fts != ours:
            different = sorted(set(fts.items()) ^ set(ours.items()))[:3]
            log.warning(
                "in-memory BM25 index disagrees with FTS5's terms %s; text search stays on FTS5 until the next write",
                different,
            )
            self._rejected_version = version
            return
        current = self._snapshot
        if current is None or current.version < version:  # versions only grow; never swap in an older one
            self._snapshot = snapshot

    def _search_fts(self, query: str, where: SearchFilter, limit: int) -> list[ScoredChunk]:
        """Exact FTS5 BM25 ranking over all query terms, computed without scoring every match (see bm25.py)."""
        rows, frequencies = self._document_frequencies(search_terms(query))
        plan = plan_query(frequencies, rows, common_fraction=COMMON_FRACTION)
        if not plan.rare:
            return []
        while True:
            rare = _any_of(plan.rare)
            found = self._fts_query(rare, where, limit)
            if plan.common:
                found += self._fts_query(f"({rare}) AND ({_any_of(plan.common)})", where, limit)
            best: dict[str, tuple] = {}
            for row in found:  # an A-chunk can come back twice; its full score is the larger one
                if row[0] not in best or row[-1] < best[row[0]][-1]:
                    best[row[0]] = row
            ranked = sorted(best.values(), key=lambda row: row[-1])[:limit]
            if is_rank_safe([-row[-1] for row in ranked], limit=limit, common_bound=plan.common_bound):
                break
            plan = plan.widened()
        # FTS5's bm25() is "lower is better"; negate so every backend reports higher = better.
        return [ScoredChunk(_chunk(row), -row[-1]) for row in ranked]

    def _fts_query(self, match: str, where: SearchFilter, limit: int) -> list[tuple]:
        return (
            self._connection()
            .execute(
                f"SELECT {_CHUNK_COLUMNS}, {BM25} AS score FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                f"WHERE chunks_fts MATCH ? AND {_FILTER} ORDER BY score LIMIT ?",
                (match, *_filter_args(where), limit),
            )
            .fetchall()
        )

    def _document_frequencies(self, terms: list[str]) -> tuple[int, dict[str, int]]:
        """Chunk count and, per term, how many chunks match it; cached until the index changes."""
        version = self.index_version()
        with self._lock:
            if (
                self._frequencies is None
                or self._frequencies[0] != version
                or len(self._frequencies[2]) > FREQUENCY_CACHE_TERMS
            ):
                rows = self._connection().execute("SELECT count(*) FROM chunks").fetchone()[0]
                self._frequencies = (version, rows, {})
            _, rows, cache = self._frequencies
        connection = self._connection()
        for term in terms:
            if term not in cache:
                cache[term] = connection.execute(
                    "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?", (f'"{term}"',)
                ).fetchone()[0]
        return rows, {term: cache[term] for term in terms}

    def search_vector(self, vector: Sequence[float], where: SearchFilter, limit: int) -> list[ScoredChunk]:
        """Exact cosine search: over the in-memory snapshot's matrix when current, else a scan in SQL order."""
        query = _normalised(vector)
        if query is None or limit < 1:
            return []
        if self.memory_index:
            found = self._search_snapshot_vector(query, where, limit)
            if found is not None:
                return found
        rows = self._connection().execute(
            f"SELECT {_CHUNK_COLUMNS}, c.embedding FROM chunks c WHERE c.embedding IS NOT NULL AND {_FILTER}",
            _filter_args(where),
        )
        scored = ((sum(a * b for a, b in zip(query, array("f", row[-1]), strict=False)), row[:-1]) for row in rows)
        best = heapq.nlargest(limit, scored, key=lambda item: item[0])
        return [ScoredChunk(_chunk(row), score) for score, row in best]

    def _search_snapshot_vector(self, query: list[float], where: SearchFilter, limit: int) -> list[ScoredChunk] | None:
        import numpy as np

        return self._read_back(
            lambda snapshot: snapshot.search_vector(np.asarray(query, np.float32), where, limit), where
        )

    def known_words(self, words: Sequence[str], where: SearchFilter) -> set[str]:
        """Words found in a chunk the filter admits: the snapshot's postings when current, else FTS5."""
        from .porter import stem

        if self.memory_index and (snapshot := self._snapshot_now()) is not None:
            return {word for word in words if snapshot.has_term(stem(word), where)}
        known = set()
        for word in words:
            row = (
                self._connection()
                .execute(
                    f"SELECT 1 FROM chunks_fts JOIN chunks c ON c.rowid = chunks_fts.rowid "
                    f"WHERE chunks_fts MATCH ? AND {_FILTER} LIMIT 1",
                    (f'"{word}"', *_filter_args(where)),
                )
                .fetchone()
            )
            if row is not None:
                known.add(word)
        return known

    def vocabulary_size(self) -> int:
        if self.memory_index and (snapshot := self._snapshot_now()) is not None:
            return len(snapshot.terms)
        connection = self._connection()
        connection.execute(_VOCABULARY)
        return int(connection.execute("SELECT count(*) FROM temp.chunks_vocab").fetchone()[0])

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        """Stored vectors: rows of the current snapshot's matrix when there is one, else read from SQLite."""
        if not chunk_ids:
            return {}
        snapshot = self._snapshot
        if self.memory_index and snapshot is not None and snapshot.version == self.index_version():
            return snapshot.vectors_of(chunk_ids)
        marks = ", ".join("?" * len(chunk_ids))
        rows = self._connection().execute(
            f"SELECT id, embedding FROM chunks WHERE embedding IS NOT NULL AND id IN ({marks})", tuple(chunk_ids)
        )
        return {chunk_id: array("f", blob).tolist() for chunk_id, blob in rows}

    def index_version(self) -> int:
        return int(self.get_meta("index_version") or 0)

    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as connection:
            connection.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    def close(self) -> None:
        builder = self._builder
        if builder is not None:
            builder.join()
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


def _migrate(connection: sqlite3.Connection) -> None:
    """Create the schema; an index file from before code terms gets the column and a rebuilt FTS table."""
    connection.executescript(SCHEMA.format(fts=""))
    columns = {row[1] for row in connection.execute("PRAGMA table_info(chunks)")}
    fts_columns = {row[1] for row in connection.execute("PRAGMA table_info(chunks_fts)")}
    if "codes" in columns and (not fts_columns or "codes" in fts_columns):
        connection.executescript(FTS)
        return
    with immediate_transaction(connection):
        if "codes" not in columns:
            connection.execute("ALTER TABLE chunks ADD COLUMN codes TEXT NOT NULL DEFAULT ''")
        rows = connection.execute("SELECT rowid, heading, text FROM chunks").fetchall()
        connection.executemany(
            "UPDATE chunks SET codes = ? WHERE rowid = ?",
            [(" ".join(code_terms(f"{heading}\n{text}")), rowid) for rowid, heading, text in rows],
        )
        for statement in ("DROP TRIGGER IF EXISTS chunks_fts_insert", "DROP TRIGGER IF EXISTS chunks_fts_delete"):
            connection.execute(statement)
        connection.execute("DROP TABLE IF EXISTS chunks_fts")
    connection.executescript(FTS)
    connection.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")


def _filter_args(where: SearchFilter) -> tuple[object, ...]:
    since = where.updated_since.isoformat() if where.updated_since else ""
    return (where.max_rank, f"|{where.purpose}|", since)


def _any_of(terms: tuple[str, ...] | list[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)


def _encode_uses(uses: Sequence[str]) -> str:
    """`|a|b|`: lets SQL test membership with instr() and no JSON functions."""
    return "|" + "|".join(uses) + "|"


def _encode_vector(vector: Sequence[float] | None) -> bytes | None:
    normalised = _normalised(vector) if vector is not None else None
    return array("f", normalised).tobytes() if normalised is not None else None


def _normalised(vector: Sequence[float]) -> list[float] | None:
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _chunk(row: Sequence) -> ChunkRecord:
    return ChunkRecord.from_row(row, date.fromisoformat(row[8]), tuple(use for use in row[9].split("|") if use))


def _document(row: Sequence) -> DocumentRecord:
    return DocumentRecord.from_row(row, day=_date, uses=lambda text: tuple(json.loads(text)))


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
