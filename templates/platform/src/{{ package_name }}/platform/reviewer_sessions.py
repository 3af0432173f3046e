"""Browser sessions for a reviewer page, re-checked against the current clients on every request.

A reviewer signs in once with an API key that holds the `approve` scope; the browser then carries
only a random session token (HttpOnly, SameSite=Strict cookie). The database keeps the token's
hash, so a copied database cannot be replayed as a session. Each session has its own CSRF token,
which every form posts back.

A session is never trusted on its own: each request looks its client up in the current client
configuration and needs the same key (by fingerprint) and the `approve` scope. Removing the
client, rotating its key or taking away `approve` ends every session at the next request, across
restarts: the row is deleted and `SessionRevoked` says why.

The sessions live in the pattern's own database, in a table the pattern names (each pattern keeps
the table its 0.1.0 release created). The database is anything with `migrate(store, migrations)`,
`transaction()` and `reading()` whose connections run `?`-placeholder SQL and return rows that
answer `row["column"]`, e.g. `SqliteDatabase`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from .auth import ClientRegistry
from .errors import SessionRevoked
from .schema_migrations import Migration

SESSION_TTL = timedelta(hours=8)
SCOPE = "approve"
_TABLE = re.compile(r"[a-z][a-z_]{0,39}")


class SessionDatabase(Protocol):
    def migrate(self, store: str, migrations: tuple[Migration, ...]) -> Any: ...
    def transaction(self) -> AbstractContextManager[Any]: ...
    def reading(self) -> AbstractContextManager[Any]: ...


def session_migrations(table: str) -> tuple[Migration, ...]:
    """The session table's schema steps; version 1 adopts a table made before versioning as it is."""
    if not _TABLE.fullmatch(table):
        raise ValueError(f"session table name {table!r}: use lowercase letters and underscores")
    schema = (
        f"CREATE TABLE IF NOT EXISTS {table} (token_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL,"
        " csrf_token TEXT NOT NULL, expires_at TEXT NOT NULL)"
    )
    # Sessions opened before version 2 carry no key fingerprint, so they end at their next request.
    fingerprint = f"ALTER TABLE {table} ADD COLUMN key_fingerprint TEXT NOT NULL DEFAULT ''"
    return (
        Migration(1, "reviewer sessions, as of template 0.1.0", schema),
        Migration(2, "sessions remember their key's fingerprint", fingerprint),
    )


@dataclass(frozen=True)
class ReviewerSession:
    client_id: str
    csrf_token: str

    def accepts(self, submitted: str) -> bool:
        """Constant-time check of the CSRF token a form posted."""
        return hmac.compare_digest(self.csrf_token.encode(), submitted.encode())


class ReviewerSessions:
    def __init__(self, db: SessionDatabase, clock: Callable[[], datetime], *, table: str) -> None:
        self.db = db
        self.clock = clock
        self.table = table
        db.migrate(table, session_migrations(table))

    def open(self, client_id: str, key: str) -> tuple[str, ReviewerSession]:
        """Start a session; returns the cookie token (shown once, stored hashed) and the session."""
        token = secrets.token_urlsafe(32)
        session = ReviewerSession(client_id, secrets.token_urlsafe(32))
        now = self.clock()
        with self.db.transaction() as tx:
            tx.execute(f"DELETE FROM {self.table} WHERE expires_at <= ?", (_stamp(now),))  # noqa: S608
            tx.execute(
                f"INSERT INTO {self.table} (token_hash, client_id, key_fingerprint, csrf_token, expires_at)"  # noqa: S608
                " VALUES (?, ?, ?, ?, ?)",
                (_hash(token), client_id, _hash(key), session.csrf_token, _stamp(now + SESSION_TTL)),
            )
        return token, session

    def find(self, token: str | None, clients: ClientRegistry) -> ReviewerSession | None:
        """The live session behind `token`; `SessionRevoked` if its client may no longer approve."""
        if not token:
            return None
        with self.db.reading() as tx:
            row = tx.execute(
                f"SELECT client_id, key_fingerprint, csrf_token FROM {self.table}"  # noqa: S608
                " WHERE token_hash = ? AND expires_at > ?",
                (_hash(token), _stamp(self.clock())),
            ).fetchone()
        if row is None:
            return None
        client = clients.client(row["client_id"])
        problem = ""
        if client is None:
            problem = f"client {row['client_id']!r} no longer exists"
        elif not hmac.compare_digest(_hash(client.key), row["key_fingerprint"]):
            problem = f"the key of client {row['client_id']!r} was changed"
        elif SCOPE not in client.scopes:
            problem = f"client {row['client_id']!r} no longer holds the {SCOPE!r} scope"
        if problem:
            self.close(token)
            raise SessionRevoked(f"session ended: {problem}; sign in again")
        return ReviewerSession(row["client_id"], row["csrf_token"])

    def close(self, token: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(f"DELETE FROM {self.table} WHERE token_hash = ?", (_hash(token),))  # noqa: S608


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")
