"""A relational store for a pattern's own records: a SQLite file by default, PostgreSQL by URL.

Pattern code writes SQL once, in the subset both engines share, with `?` placeholders, and
runs it in a `Transaction`:

    db = open_database(settings.database_url, sqlite_path=data / "approvals.sqlite3", postgres_schema="approvals")
    db.ensure(DDL)
    with db.transaction() as tx:
        row = tx.one(f"SELECT * FROM proposals WHERE id = ?{tx.for_update}", (proposal_id,))
        tx.execute("UPDATE proposals SET state = ? WHERE id = ? AND state = ?", (new, proposal_id, old))

SQLite writes through `BEGIN IMMEDIATE` (one writer at a time, taken before anything is read),
so `for_update` and `lock()` cost nothing there. PostgreSQL runs READ COMMITTED transactions;
`tx.for_update` appends `FOR UPDATE` to a select, `tx.lock(key)` takes a transaction-scoped
advisory lock, and `SKIP LOCKED` lets workers claim different jobs at the same time.

DDL is written for SQLite and translated: `INTEGER PRIMARY KEY [AUTOINCREMENT]` becomes an
identity column, `INTEGER` a `BIGINT`, `REAL` a `DOUBLE PRECISION`. PostgreSQL keeps each
store in its own schema (`search_path`), so two stores, or two test runs, share one server.
PostgreSQL needs the `postgres` extra (psycopg 3).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import ENV_PREFIX
from .errors import ConfigError, ConstraintError
from .schema_migrations import Migration, MigrationResult, migrate_postgres, migrate_sqlite
from .sqlite_db import SqliteDatabase

if TYPE_CHECKING:
    from .settings import Settings

Dialect = Literal["sqlite", "postgres"]
Params = Sequence[Any]
Row = Any  # sqlite3.Row or dict: both answer row["column"] and dict(row)
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class Transaction:
    """One unit of work on one connection; every statement uses `?` placeholders."""

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self.conn = conn
        self.dialect: Dialect = dialect
        self.for_update = " FOR UPDATE" if dialect == "postgres" else ""
        self.skip_locked = " FOR UPDATE SKIP LOCKED" if dialect == "postgres" else ""

    def execute(self, sql: str, params: Params = ()) -> Any:
        """Run one statement; returns the driver's cursor (`fetchone`, `fetchall`, `rowcount`)."""
        if self.dialect == "sqlite":
            try:
                return self.conn.execute(sql, params)
            except sqlite3.IntegrityError as error:
                raise ConstraintError(str(error)) from error
        import psycopg

        try:
            return self.conn.execute(_postgres_sql(sql), params)
        except psycopg.errors.IntegrityError as error:
            raise ConstraintError(str(error)) from error

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.execute(sql, params).fetchone()
        return None if row is None else next(iter(dict(row).values()))

    def lock(self, key: str) -> None:
        """Serialise transactions that pass the same `key` until this one ends (e.g. one order)."""
        if self.dialect == "postgres":
            self.execute("SELECT pg_advisory_xact_lock(?)", (zlib.crc32(key.encode()) - 2**31,))

    @contextmanager
    def savepoint(self, name: str = "step") -> Iterator[None]:
        """Undo only what the block wrote if it raises; the transaction goes on."""
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {name}")


class Database(ABC):
    """Where a store's tables live; `transaction()` writes, `reading()` reads a consistent view."""

    dialect: Dialect

    @abstractmethod
    def ensure(self, ddl: str) -> None:
        """Create tables and indexes (`IF NOT EXISTS` DDL written for SQLite), on every open."""

    @abstractmethod
    def migrate(self, store: str, migrations: tuple[Migration, ...]) -> MigrationResult:
        """Bring `store`'s tables to the newest version (see schema_migrations.py). Steps are SQLite DDL,
        translated for PostgreSQL; a step's `apply` gets a `Transaction` on either engine."""

    @abstractmethod
    def transaction(self) -> Any: ...

    @abstractmethod
    def reading(self) -> Any: ...

    def close(self) -> None:  # noqa: B027 - SQLite holds nothing open between units of work
        """Release connections (PostgreSQL); a no-op for SQLite."""


class SqliteStore(Database):
    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = SqliteDatabase(path, "")

    def ensure(self, ddl: str) -> None:
        with self._db.reading() as conn:
            conn.executescript(ddl)

    def migrate(self, store: str, migrations: tuple[Migration, ...]) -> MigrationResult:
        steps = tuple(_with_transaction(migration, "sqlite") for migration in migrations)
        with self._db.reading() as conn:
            return migrate_sqlite(conn, store, steps)

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._db.transaction() as conn:
            yield Transaction(conn, "sqlite")

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        with self._db.reading() as conn:
            yield Transaction(conn, "sqlite")


class PostgresStore(Database):
    """One connection per thread (and per process after a fork), tables in `schema`."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str, schema: str) -> None:
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ConfigError(f"database schema {schema!r}: use lowercase letters, digits and underscores")
        try:
            import psycopg  # noqa: F401
        except ImportError as error:
            raise ConfigError(
                f"{ENV_PREFIX}DATABASE_URL is PostgreSQL: install the 'postgres' extra (psycopg)"
            ) from error
        self.url, self.schema = url, schema
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()
        self.ensure("")

    def ensure(self, ddl: str) -> None:
        """Run DDL under a lock, so processes starting together do not race on CREATE."""
        with self.transaction() as tx:
            tx.lock(f"ddl:{self.schema}")
            tx.conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            if ddl.strip():
                tx.conn.execute(postgres_ddl(ddl))

    def migrate(self, store: str, migrations: tuple[Migration, ...]) -> MigrationResult:
        steps = tuple(
            _with_transaction(Migration(m.version, m.description, postgres_ddl(m.sql), m.apply), "postgres")
            for m in migrations
        )
        import psycopg

        # migrate_postgres reads plain tuples: its own connection, without this store's dict rows
        with psycopg.connect(self.url, autocommit=True, options=f"-c search_path={self.schema}") as conn:
            return migrate_postgres(conn, store, steps, schema=self.schema)

    def _connection(self) -> Any:
        import os

        import psycopg
        from psycopg.rows import dict_row

        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or getattr(self._local, "pid", None) != os.getpid():
            conn = psycopg.connect(
                self.url, autocommit=True, row_factory=dict_row, options=f"-c search_path={self.schema}"
            )
            self._local.conn, self._local.pid = conn, os.getpid()
            with self._lock:
                self._opened.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        conn = self._connection()
        with conn.transaction():
            yield Transaction(conn, "postgres")

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        conn = self._connection()
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield Transaction(conn, "postgres")

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()


def open_database(url: str, *, sqlite_path: Path, postgres_schema: str) -> Database:
    """PostgreSQL when `url` is a postgresql:// URL, else the SQLite file at `sqlite_path`."""
    if url.startswith(POSTGRES_SCHEMES):
        return PostgresStore(url, postgres_schema)
    if url:
        scheme = url.split(":", 1)[0]
        raise ConfigError(f"{ENV_PREFIX}DATABASE_URL must be empty (SQLite) or a postgresql:// URL, not {scheme}:")
    return SqliteStore(sqlite_path)


def open_pattern_database(
    settings: Settings,
    file_name: str,
    *,
    postgres_schema: str,
    db_path: Path | None = None,
    database_url: str | None = None,
) -> Database:
    """A pattern's store as configured: `DATABASE_URL`, else `file_name` in the data directory.

    `db_path` forces that SQLite file (evals and the demo use a scratch one) unless `database_url`
    is given too; `database_url` overrides the setting (tests point it at their own server).
    """
    url = database_url if database_url is not None else "" if db_path is not None else settings.database_url
    sqlite_path = db_path or settings.path(settings.data_dir) / file_name
    return open_database(url, sqlite_path=sqlite_path, postgres_schema=postgres_schema)


_DDL_RULES = [
    (re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b", re.I), "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER PRIMARY KEY\b", re.I), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b", re.I), "BIGINT"),
    (re.compile(r"\bREAL\b", re.I), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b", re.I), "BYTEA"),
]


def _with_transaction(migration: Migration, dialect: Dialect) -> Migration:
    """The step's `apply(raw connection)` as `apply(Transaction)`, so data moves are written once for both engines."""
    if migration.apply is None:
        return migration
    apply = migration.apply

    def on_connection(conn: Any) -> None:
        if dialect == "postgres":  # migrate_postgres hands over a plain connection; steps read rows by name
            from psycopg.rows import dict_row

            conn = conn.cursor(row_factory=dict_row)
        apply(Transaction(conn, dialect))

    return Migration(migration.version, migration.description, migration.sql, on_connection)


def postgres_ddl(ddl: str) -> str:
    """SQLite DDL as PostgreSQL DDL (see the module docstring for what is translated)."""
    for pattern, replacement in _DDL_RULES:
        ddl = pattern.sub(replacement, ddl)
    return ddl


@lru_cache(maxsize=512)
def _postgres_sql(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")
