"""Schema versions for every database a project keeps: each store declares its migrations.

A store lists `Migration(version, description, sql)` steps, oldest first; version 1 is the
schema as it was when versioning began (`CREATE ... IF NOT EXISTS`, so a database made before
that is adopted without change). Opening a store calls `migrate_sqlite` or `migrate_postgres`,
which records the store's version in a `schema_versions` table of the same database and
applies each newer step in its own transaction, under the database's write lock, so two
processes starting at once apply it once. A step never runs twice; a failed step rolls back
and leaves the version where it was; a database newer than the code is refused, never
"migrated" down. `<slug> migrate` opens every store and prints what ran.

    MIGRATIONS = (
        Migration(1, "tables as of template 0.1.0", SCHEMA),
        Migration(2, "index proposals by state", "CREATE INDEX proposals_by_state ON proposals(state)"),
    )
    migrate_sqlite(conn, "proposals", MIGRATIONS)
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import SchemaError
from .sqlite_db import immediate_transaction

_SQLITE_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_versions ("
    " store TEXT PRIMARY KEY, version INTEGER NOT NULL, description TEXT NOT NULL, migrated_at TEXT NOT NULL)"
)


@dataclass(frozen=True)
class Migration:
    """One step: `sql` (statements separated by `;`) and/or `apply(connection)` for data moves."""

    version: int
    description: str
    sql: str = ""
    apply: Callable[[Any], None] | None = None


@dataclass
class MigrationResult:
    store: str
    database: str
    before: int
    after: int
    applied: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.applied:
            return f"{self.store}: schema {self.after}, current ({self.database})"
        return f"{self.store}: schema {self.before} -> {self.after}: {'; '.join(self.applied)} ({self.database})"


RESULTS: list[MigrationResult] = []  # what this process migrated, for `<slug> migrate` to print


def _check(store: str, migrations: Sequence[Migration]) -> int:
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise SchemaError(f"{store}: migrations must be numbered 1, 2, 3 ... in order (got {versions})")
    return len(versions)


def _newer_than_code(store: str, found: int, newest: int) -> SchemaError:
    return SchemaError(
        f"{store}: the database is at schema {found} but this code knows up to {newest}; "
        "run the newer code (a database is never migrated down)"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sqlite_statements(sql: str) -> list[str]:
    """SQLite statements one by one (a trigger body's `;` does not end its statement)."""
    statements, buffer = [], ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \n;"):
                statements.append(buffer.strip())
            buffer = ""
    return statements


def migrate_sqlite(conn: sqlite3.Connection, store: str, migrations: Sequence[Migration]) -> MigrationResult:
    """Bring `store`'s tables in this SQLite database to the newest version; safe to call on every open."""
    newest = _check(store, migrations)
    database = str(conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:")
    # Inside the caller's transaction (a store checking more under the same lock) the steps join it;
    # otherwise they take the write lock themselves: a second process waits, then sees the new version.
    transaction = nullcontext(conn) if conn.in_transaction else immediate_transaction(conn)
    try:
        with transaction:
            conn.execute(_SQLITE_TABLE)
            row = conn.execute("SELECT version FROM schema_versions WHERE store = ?", (store,)).fetchone()
            found = row[0] if row else 0
            if found > newest:
                raise _newer_than_code(store, found, newest)
            result = MigrationResult(store, database, found, found)
            for migration in migrations[found:]:
                for statement in sqlite_statements(migration.sql):
                    conn.execute(statement)
                if migration.apply is not None:
                    migration.apply(conn)
                conn.execute(
                    "INSERT INTO schema_versions (store, version, description, migrated_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(store) DO UPDATE SET version = excluded.version,"
                    " description = excluded.description, migrated_at = excluded.migrated_at",
                    (store, migration.version, migration.description, _now()),
                )
                result.after = migration.version
                if found:  # version 1 on a new database is its creation, not a migration worth reporting
                    result.applied.append(f"{migration.version} {migration.description}")
    except BaseException as error:
        if isinstance(error, SchemaError | KeyboardInterrupt):
            raise
        raise SchemaError(f"{store}: schema migration failed, database unchanged: {error}") from error
    RESULTS.append(result)
    return result


def migrate_postgres(conn: Any, store: str, migrations: Sequence[Migration], *, schema: str) -> MigrationResult:
    """The same on PostgreSQL (psycopg, autocommit connection); `{schema}` in SQL is the store's schema."""
    from psycopg import sql

    def run(statement: str, params: Any = None) -> Any:
        return conn.execute(sql.SQL(statement).format(schema=sql.Identifier(schema)), params)

    newest = _check(store, migrations)
    result = MigrationResult(store, f"postgresql schema {schema}", 0, 0)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}.{store}",))
        run("CREATE SCHEMA IF NOT EXISTS {schema}")
        run(
            "CREATE TABLE IF NOT EXISTS {schema}.schema_versions (store text PRIMARY KEY, version integer NOT NULL,"
            " description text NOT NULL, migrated_at timestamptz NOT NULL DEFAULT now())"
        )
        row = run("SELECT version FROM {schema}.schema_versions WHERE store = %s", (store,)).fetchone()
        found = row[0] if row else 0
        if found > newest:
            raise _newer_than_code(store, found, newest)
        result.before = result.after = found
        try:
            for migration in migrations[found:]:
                if migration.sql.strip():
                    run(migration.sql)  # no parameters: PostgreSQL runs every statement of the script
                if migration.apply is not None:
                    migration.apply(conn)
                run(
                    "INSERT INTO {schema}.schema_versions (store, version, description) VALUES (%s, %s, %s)"
                    " ON CONFLICT (store) DO UPDATE SET version = excluded.version,"
                    " description = excluded.description, migrated_at = now()",
                    (store, migration.version, migration.description),
                )
                result.after = migration.version
                if found:
                    result.applied.append(f"{migration.version} {migration.description}")
        except SchemaError:
            raise
        except Exception as error:
            raise SchemaError(f"{store}: schema migration failed, database unchanged: {error}") from error
    RESULTS.append(result)
    return result
