"""SQLite write transactions, and a SQLite file for a pattern's own records.

Every store in the project (a pattern's records, the cost ledger, the audit log, the knowledge
index) writes through `immediate_transaction`: `BEGIN IMMEDIATE` takes the write lock before
anything is read, so two requests can never both see the same old state and both act on it,
and any exception rolls the whole step back. Connections are opened with `isolation_level=None`
so that the module never starts a transaction behind the caller's back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema_migrations import Migration, MigrationResult


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write step on `conn`: `BEGIN IMMEDIATE`, then `COMMIT`, or `ROLLBACK` on any exception.

    A `COMMIT` that fails (disk full, I/O error) rolls back too, so the connection is never left
    inside a half-finished transaction for the next caller to commit by accident.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may already have rolled back on its own (e.g. SQLITE_FULL)
            conn.execute("ROLLBACK")
        raise


class SqliteDatabase:
    """WAL-mode SQLite with one short-lived connection per unit of work."""

    def __init__(self, path: Path, schema: str = "", *, store: str = "", migrations: tuple[Migration, ...] = ()):
        """`migrations` (with a `store` name) bring the tables to the newest schema version; `schema` is
        idempotent SQL run on every open (tables that may appear at run time, e.g. registered actions)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
        if migrations:
            self.migrate(store, migrations)
        if schema:
            with closing(self._connect()) as conn:
                conn.executescript(schema)

    def migrate(self, store: str, migrations: tuple[Migration, ...]) -> MigrationResult:
        """Bring `store`'s tables in this file to their newest schema (a store may share the file)."""
        from .schema_migrations import migrate_sqlite  # it writes through immediate_transaction above

        with closing(self._connect()) as conn:
            return migrate_sqlite(conn, store, migrations)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: committed on success, rolled back on any exception."""
        conn = self._connect()
        try:
            with immediate_transaction(conn):
                yield conn
        finally:
            conn.close()

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """A read-only unit of work (WAL readers never block the writer)."""
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()
