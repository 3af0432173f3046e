"""Where shared state lives: SQLite files by default, one PostgreSQL database when `DATABASE_URL` is set.

SQLite keeps a laptop, a test and a single replica free of any server. More than one replica must
share one budget, one audit chain and one set of records, so with
`{ENV_PREFIX}DATABASE_URL=postgresql://...` the platform's stores open PostgreSQL instead.

A store writes its SQL once, with `?` placeholders and statements both databases accept
(`INSERT ... ON CONFLICT ... DO NOTHING / DO UPDATE`), declares its PostgreSQL tables as
`schema_migrations` steps, and gets its connection here:
- `PostgresDatabase.transaction(lock=...)` is the counterpart of SQLite's `BEGIN IMMEDIATE`: a
  transaction that first takes a PostgreSQL advisory lock named `lock`, so "read the state, check,
  write" is one step across every process and replica (the budget's check-then-reserve, the audit
  chain's read-head-then-append);
- connections come from a small pool, opened lazily and never shared across a fork.
Each store keeps its tables in its own PostgreSQL schema (`search_path`), so names never collide.
"""

from __future__ import annotations

import os
import queue
import re
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .. import ENV_PREFIX
from .errors import ConfigError
from .schema_migrations import Migration, migrate_postgres

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(url: str) -> bool:
    return url.strip().startswith(POSTGRES_SCHEMES)


def advisory_key(name: str) -> int:
    """A stable 32-bit key for `pg_advisory_xact_lock`, derived from a readable lock name."""
    return zlib.crc32(name.encode())


class Connection:
    """A psycopg connection that takes the `?` placeholders the stores are written with."""

    _QMARK = re.compile(r"\?")

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if not params:  # no placeholders to fill: a literal % (in DDL, in LIKE) stays as written
            return self.raw.execute(sql)
        return self.raw.execute(self._QMARK.sub("%s", sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any:
        with self.raw.cursor() as cursor:
            cursor.executemany(self._QMARK.sub("%s", sql), [tuple(row) for row in rows])
            return cursor


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database, each bound to the store's own schema."""

    def __init__(
        self, url: str, schema: str, *, store: str, migrations: Sequence[Migration], pool_size: int = 8
    ) -> None:
        """Connect and bring `store`'s tables in `schema` to the newest of its `migrations`."""
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                f"{ENV_PREFIX}DATABASE_URL is PostgreSQL but psycopg is not installed: pip install '.[postgres]'"
            ) from None
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ValueError(f"schema name {schema!r}: lowercase letters, digits and underscores")
        self._psycopg = psycopg
        self.url, self.schema = url, schema
        self._size = pool_size
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._opened = 0
        self._lock = threading.Lock()
        self._pid = os.getpid()
        with self._connection() as raw:
            migrate_postgres(raw, store, migrations, schema=schema)

    def _open(self) -> Any:
        try:
            raw = self._psycopg.connect(self.url, autocommit=True)
        except self._psycopg.OperationalError as error:
            raise ConfigError(f"{ENV_PREFIX}DATABASE_URL: cannot connect ({str(error).splitlines()[0]})") from None
        raw.execute(f"SET search_path TO {self.schema}")
        return raw

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """Borrow an idle connection (or open one, up to the pool size); it goes back afterwards."""
        if self._pid != os.getpid():  # a forked child never touches its parent's sockets
            self._idle, self._opened, self._pid = queue.LifoQueue(), 0, os.getpid()
        try:
            raw = self._idle.get_nowait()
        except queue.Empty:
            with self._lock:
                may_open = self._opened < self._size
                self._opened += may_open
            raw = self._open() if may_open else self._idle.get(timeout=60)
        try:
            yield raw
        finally:
            if raw.closed:
                with self._lock:
                    self._opened -= 1
            else:
                self._idle.put(raw)

    @contextmanager
    def transaction(self, *, lock: str | None = None) -> Iterator[Connection]:
        """One atomic unit of work; with `lock`, serialised against every other holder of that name."""
        with self._connection() as raw:
            raw.execute("BEGIN")
            try:
                if lock is not None:
                    raw.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_key(lock),))
                yield Connection(raw)
            except BaseException:
                if not raw.closed:
                    raw.execute("ROLLBACK")
                raise
            raw.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """Reads in one snapshot (a read-only transaction), without taking any lock."""
        with self._connection() as raw:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try:
                yield Connection(raw)
            finally:
                if not raw.closed:
                    raw.execute("ROLLBACK")

    def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one read statement, on a borrowed connection."""
        with self._connection() as raw:
            return list(Connection(raw).execute(sql, params).fetchall())

    def session(self) -> Session:
        """A connection of its own until `close()`, for long reads (verifying a whole audit chain)."""
        return Session(self._open())

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                break
        with self._lock:
            self._opened = 0


class Session(Connection):
    """A dedicated connection (outside the pool) that a reader closes when done."""

    def close(self) -> None:
        self.raw.close()


class Rows:
    """Fetched rows with the cursor methods the stores call."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)


class StatementReader:
    """`execute(sql, params)` on a borrowed connection, one statement at a time, rows fetched at once.

    For stores written against a long-lived SQLite connection that they read from outside any
    transaction; on PostgreSQL each read borrows a pooled connection and gives it straight back.
    """

    def __init__(self, db: PostgresDatabase) -> None:
        self.db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return Rows(self.db.fetch(sql, params))
