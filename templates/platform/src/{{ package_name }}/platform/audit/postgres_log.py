"""The audit log in PostgreSQL: one hash chain for every replica, appends serialised in the database.

The chain, the canonical record and the checks are `AuditLog`'s own; only where the records live
changes. An append takes a transaction-scoped advisory lock before it reads the chain head, so
writers in every process queue in PostgreSQL instead of forking the chain, and `seq` stays the
primary key. Triggers refuse UPDATE and DELETE, as SQLite's do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..schema_migrations import Migration
from ..storage import PostgresDatabase, Session
from .log import AuditLog

SCHEMA = "platform_audit"
_DDL = """
CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_records (seq BIGINT PRIMARY KEY, ts TEXT NOT NULL, actor TEXT NOT NULL,
    action TEXT NOT NULL, decision TEXT NOT NULL, model TEXT NOT NULL, prompt_version TEXT NOT NULL,
    input_hash TEXT NOT NULL, output_hash TEXT NOT NULL, details TEXT NOT NULL, prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL);
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'audit log is append-only: records cannot be %', lower(TG_OP) || 'd'; END $$;
CREATE OR REPLACE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_append_only()
"""
MIGRATIONS = (Migration(1, "audit_meta and append-only audit_records (PostgreSQL)", _DDL),)


class PostgresAuditLog(AuditLog):
    """`AuditLog` with its records in PostgreSQL (schema `platform_audit`)."""

    def __init__(self, url: str, local: Path, **options: Any) -> None:
        """`local`: where this process keeps the log's local files (a generated content key when no
        `hash_key` is configured); `options` are `AuditLog`'s (keys, durability, checkpoints)."""
        super().__init__(local, **options)
        self.db = PostgresDatabase(url, SCHEMA, store="audit", migrations=MIGRATIONS)
        self._scheme_checked = False

    @contextmanager
    def _write(self) -> Iterator[object]:  # type: ignore[override]
        with self.db.transaction(lock=f"{SCHEMA}:chain") as conn:
            if self._synchronous == "NORMAL":  # like SQLite's NORMAL: a server crash may lose the last commits
                conn.execute("SET LOCAL synchronous_commit TO off")
            if not self._scheme_checked:
                self._check_scheme(conn)  # type: ignore[arg-type]
            yield conn
        self._scheme_checked = True

    def _reader(self) -> Session:  # type: ignore[override]
        return self.db.session()

    def close(self) -> None:
        super().close()  # checkpoints the head this process reached
        self.db.close()
