"""Scale-out backend: PostgreSQL full-text search (GIN) plus pgvector for dense retrieval.

Same contract as the SQLite store: filters run inside the SQL, scores are "higher is
better". Each namespace is its own schema, so the eval index never mixes with the
served one. Vectors are sent as pgvector's text form, so no numpy is needed.
Requires the `postgres` extra: `pip install -e '.[postgres]'`.
"""

# ruff: noqa: S608 - SQL is assembled from module constants and a schema Identifier; values are bound

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from ...schema_migrations import Migration, migrate_postgres
from .analysis import code_terms, search_terms
from .models import ChunkRecord, DocumentRecord, ScoredChunk, SearchFilter, listed

try:
    import psycopg
    from psycopg import sql
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError("the postgres backend needs the 'postgres' extra: pip install -e '.[postgres]'") from error

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.documents (
    id text PRIMARY KEY,
    title text NOT NULL,
    source text NOT NULL,
    owner text NOT NULL,
    classification text NOT NULL,
    effective_date date,
    updated_date date NOT NULL,
    permissible_use text[] NOT NULL,
    format text NOT NULL,
    origin text NOT NULL,
    content_hash text NOT NULL,
    fingerprint text NOT NULL,
    chunk_count integer NOT NULL,
    ingested_at text NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_content_hash ON {schema}.documents (content_hash);
CREATE TABLE IF NOT EXISTS {schema}.chunks (
    row_id bigserial PRIMARY KEY,
    id text NOT NULL UNIQUE,
    document_id text NOT NULL REFERENCES {schema}.documents (id) ON DELETE CASCADE,
    ordinal integer NOT NULL,
    heading text NOT NULL,
    text text NOT NULL,
    start_offset integer NOT NULL,
    end_offset integer NOT NULL,
    clearance_rank smallint NOT NULL,
    updated_date date NOT NULL,
    uses text[] NOT NULL,
    embedding vector,
    codes text NOT NULL DEFAULT '',
    tsv tsvector GENERATED ALWAYS AS ({tsv}) STORED
);
ALTER TABLE {schema}.chunks ADD COLUMN IF NOT EXISTS codes text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS chunks_tsv ON {schema}.chunks USING gin (tsv);
CREATE INDEX IF NOT EXISTS chunks_document ON {schema}.chunks (document_id);
CREATE TABLE IF NOT EXISTS {schema}.meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO {schema}.meta (key, value) VALUES ('index_version', '0') ON CONFLICT DO NOTHING;
"""
# Version 1: SCHEMA, with indexes from before code terms upgraded in place in __init__.
MIGRATIONS = (Migration(1, "documents, chunks with code terms, full-text and vector columns, meta"),)

# Heading (weight A), text and code terms (weight B; see analysis.py).
TSV = (
    "setweight(to_tsvector('english', heading), 'A') || setweight(to_tsvector('english', text), 'B') "
    "|| setweight(to_tsvector('english', codes), 'B')"
)
# A table from before code terms: its tsv does not read `codes` yet; recompute it (and its index).
_TSV_UPGRADE = """
ALTER TABLE {schema}.chunks DROP COLUMN tsv;
ALTER TABLE {schema}.chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS ({tsv}) STORED;
CREATE INDEX IF NOT EXISTS chunks_tsv ON {schema}.chunks USING gin (tsv);
"""

_CHUNK_COLUMNS = "id, document_id, ordinal, heading, text, start_offset, end_offset, clearance_rank, updated_date, uses"
_FILTER = "clearance_rank <= %(rank)s AND %(purpose)s = ANY(uses) AND updated_date >= %(since)s"
_DOCUMENT_COLUMNS = (
    "id, title, source, owner, classification, effective_date, updated_date, permissible_use, format, origin, "
    "content_hash, fingerprint, chunk_count, ingested_at"
)


class PostgresChunkStore:
    """`ChunkStore` on PostgreSQL; one connection per thread, schema per namespace."""

    def __init__(self, url: str, *, schema: str = "knowledge_main") -> None:
        self.url = url
        self.schema = sql.Identifier(schema)
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._vocabulary: tuple[int, int] | None = None  # (index version, distinct lexemes)
        with self._connection().transaction():
            # Replicas starting together on a new database would race on CREATE EXTENSION / SCHEMA: take turns.
            self._execute("SELECT pg_advisory_xact_lock(hashtext('knowledge.ddl'))")
            self._execute(SCHEMA.replace("{tsv}", TSV))
            expression = self._execute(
                "SELECT generation_expression FROM information_schema.columns "
                "WHERE table_schema = %s AND table_name = 'chunks' AND column_name = 'tsv'",
                (schema,),
            ).fetchone()
            if expression is not None and "codes" not in (expression[0] or ""):
                self._execute(_TSV_UPGRADE.replace("{tsv}", TSV))
        migrate_postgres(self._connection(), "index", MIGRATIONS, schema=schema)

    def _connection(self) -> psycopg.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            connection = psycopg.connect(self.url, autocommit=True)
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    def _execute(self, statement: str, params: Any = None) -> psycopg.Cursor:
        query = sql.SQL(statement).format(schema=self.schema)
        return self._connection().execute(query, params)

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self._connection().transaction():
            yield
            self._execute("UPDATE {schema}.meta SET value = (value::bigint + 1)::text WHERE key = 'index_version'")

    def replace_document(self, document: DocumentRecord, chunks: Sequence[ChunkRecord]) -> None:
        with self._write():
            self._execute("DELETE FROM {schema}.documents WHERE id = %s", (document.id,))
            self._execute(
                f"INSERT INTO {{schema}}.documents ({_DOCUMENT_COLUMNS}) VALUES "
                "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                document.to_row(),
            )
            if chunks:
                cursor = self._connection().cursor()
                cursor.executemany(
                    sql.SQL(
                        f"INSERT INTO {{schema}}.chunks ({_CHUNK_COLUMNS}, embedding, codes) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::vector, %s)"
                    ).format(schema=self.schema),
                    [
                        (
                            *chunk.row_head(),
                            chunk.updated_date,
                            list(chunk.permissible_use),
                            _vector_literal(chunk.embedding) if chunk.embedding else None,
                            " ".join(code_terms(f"{chunk.heading}\n{chunk.text}")),
                        )
                        for chunk in chunks
                    ],
                )

    def delete_document(self, document_id: str) -> bool:
        with self._write():
            return self._execute("DELETE FROM {schema}.documents WHERE id = %s", (document_id,)).rowcount > 0

    def get_document(self, document_id: str) -> DocumentRecord | None:
        row = self._execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM {{schema}}.documents WHERE id = %s", (document_id,)
        ).fetchone()
        return _document(row) if row else None

    def list_documents(self, *, max_rank: int | None = None, origin: str | None = None) -> list[DocumentRecord]:
        rows = self._execute(f"SELECT {_DOCUMENT_COLUMNS} FROM {{schema}}.documents ORDER BY id").fetchall()
        return listed([_document(row) for row in rows], max_rank=max_rank, origin=origin)

    def find_by_content_hash(self, content_hash: str) -> DocumentRecord | None:
        row = self._execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM {{schema}}.documents WHERE content_hash = %s ORDER BY id LIMIT 1",
            (content_hash,),
        ).fetchone()
        return _document(row) if row else None

    def search_text(self, query: str, where: SearchFilter, limit: int) -> list[ScoredChunk]:
        terms = search_terms(query)
        if not terms or limit < 1:
            return []
        # Normalisation 1 divides by 1 + log(length): long chunks do not win by size alone.
        rows = self._execute(
            f"SELECT {_CHUNK_COLUMNS}, ts_rank(tsv, query, 1) AS score "
            f"FROM {{schema}}.chunks, to_tsquery('english', %(terms)s) AS query "
            f"WHERE tsv @@ query AND {_FILTER} ORDER BY score DESC, row_id LIMIT %(limit)s",
            {"terms": " | ".join(terms), "limit": limit, **_filter_params(where)},
        ).fetchall()
        return [ScoredChunk(_chunk(row), float(row[-1])) for row in rows]

    def search_vector(self, vector: Sequence[float], where: SearchFilter, limit: int) -> list[ScoredChunk]:
        if limit < 1 or not any(vector):
            return []
        rows = self._execute(
            f"SELECT {_CHUNK_COLUMNS}, 1 - (embedding <=> %(vector)s::vector) AS score FROM {{schema}}.chunks "
            f"WHERE embedding IS NOT NULL AND {_FILTER} ORDER BY embedding <=> %(vector)s::vector LIMIT %(limit)s",
            {"vector": _vector_literal(vector), "limit": limit, **_filter_params(where)},
        ).fetchall()
        return [ScoredChunk(_chunk(row), float(row[-1])) for row in rows]

    def known_words(self, words: Sequence[str], where: SearchFilter) -> set[str]:
        """Words in a chunk the filter admits; a word the `english` configuration drops counts as known."""
        if not words:
            return set()
        rows = self._execute(
            "SELECT word FROM unnest(%(words)s::text[]) AS word "
            "WHERE numnode(to_tsquery('english', word)) = 0 OR EXISTS (SELECT 1 FROM {schema}.chunks "
            f"WHERE tsv @@ to_tsquery('english', word) AND {_FILTER})",
            {"words": list(words), **_filter_params(where)},
        ).fetchall()
        return {row[0] for row in rows}

    def vocabulary_size(self) -> int:
        """Distinct lexemes (ts_stat reads every row, so the count is kept per index version)."""
        version = self.index_version()
        cached = self._vocabulary
        if cached is None or cached[0] != version:
            rows = sql.SQL("SELECT tsv FROM {schema}.chunks").format(schema=self.schema)
            statement = sql.SQL("SELECT count(*) FROM ts_stat({rows})").format(
                rows=sql.Literal(rows.as_string(self._connection()))
            )
            cached = self._vocabulary = (version, int(self._connection().execute(statement).fetchone()[0]))
        return cached[1]

    def search_hybrid(
        self, query: str, vector: Sequence[float], where: SearchFilter, limit: int
    ) -> tuple[list[ScoredChunk], list[ScoredChunk]]:
        return self.search_text(query, where, limit), self.search_vector(vector, where, limit)

    def embeddings(self, chunk_ids: Sequence[str]) -> dict[str, list[float]]:
        if not chunk_ids:
            return {}
        rows = self._execute(
            "SELECT id, embedding::text FROM {schema}.chunks WHERE embedding IS NOT NULL AND id = ANY(%s)",
            (list(chunk_ids),),
        ).fetchall()
        return {chunk_id: [float(value) for value in text.strip("[]").split(",")] for chunk_id, text in rows}

    def index_version(self) -> int:
        return int(self.get_meta("index_version") or 0)

    def get_meta(self, key: str) -> str | None:
        row = self._execute("SELECT value FROM {schema}.meta WHERE key = %s", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write():
            self._execute(
                "INSERT INTO {schema}.meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                (key, value),
            )

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()


def _filter_params(where: SearchFilter) -> dict[str, object]:
    return {"rank": where.max_rank, "purpose": where.purpose, "since": where.updated_since or date.min}


def _vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(f"{value:.7g}" for value in vector) + "]"


def _chunk(row: Sequence) -> ChunkRecord:
    return ChunkRecord.from_row(row, row[8], tuple(row[9]))


def _document(row: Sequence) -> DocumentRecord:
    return DocumentRecord.from_row(row)
