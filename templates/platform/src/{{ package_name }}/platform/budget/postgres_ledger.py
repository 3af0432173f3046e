"""The cost ledger in PostgreSQL: every replica reserves against one budget.

Same tables and the same statements as the SQLite ledger (`cost_ledger.py`); what SQLite's
`BEGIN IMMEDIATE` gives there, a transaction-scoped advisory lock gives here: "read spend and open
reservations, check the limit, reserve" runs as one step across all processes, so 50 concurrent
requests split over two replicas can never reserve past the limit together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..schema_migrations import Migration
from ..storage import PostgresDatabase, StatementReader
from .cost_ledger import CostLedger, LedgerTransaction

SCHEMA = "platform_budget"
_DDL = """
CREATE TABLE IF NOT EXISTS reservations (id TEXT PRIMARY KEY, feature TEXT NOT NULL, model TEXT NOT NULL,
    amount_nano BIGINT NOT NULL, created_at DOUBLE PRECISION NOT NULL, expires_at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS reservations_by_expiry ON reservations(expires_at);
CREATE INDEX IF NOT EXISTS reservations_by_feature ON reservations(feature);
CREATE TABLE IF NOT EXISTS spend (reservation_id TEXT PRIMARY KEY, feature TEXT NOT NULL, model TEXT NOT NULL,
    input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cost_nano BIGINT NOT NULL,
    reserved_nano BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS spend_by_time ON spend(at);
CREATE TABLE IF NOT EXISTS totals (scope TEXT NOT NULL, period TEXT NOT NULL, spent_nano BIGINT NOT NULL,
    calls BIGINT NOT NULL, PRIMARY KEY (scope, period));
CREATE TABLE IF NOT EXISTS events (kind TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL,
    first_at DOUBLE PRECISION NOT NULL, last_at DOUBLE PRECISION NOT NULL, count BIGINT NOT NULL,
    detail TEXT NOT NULL, PRIMARY KEY (kind, scope, period))
"""
MIGRATIONS = (Migration(1, "reservations, spend, totals and events (PostgreSQL)", _DDL),)


class PostgresCostLedger(CostLedger):
    """`CostLedger` with its tables in PostgreSQL (schema `platform_budget`)."""

    def __init__(self, url: str) -> None:  # no SQLite file: the parent's __init__ is not used
        self.db = PostgresDatabase(url, SCHEMA, store="ledger", migrations=MIGRATIONS)
        self._reader = StatementReader(self.db)

    def _conn(self) -> StatementReader:  # type: ignore[override]
        return self._reader

    @contextmanager
    def transaction(self) -> Iterator[LedgerTransaction]:
        with self.db.transaction(lock=f"{SCHEMA}:ledger") as conn:
            yield LedgerTransaction(conn)  # type: ignore[arg-type]

    def close(self) -> None:
        self.db.close()
