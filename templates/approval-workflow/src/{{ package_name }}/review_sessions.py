"""Browser sessions for the reviewer page, re-checked against the current clients on every request.

A reviewer signs in once with an API key that holds the `approve` scope; the browser then
carries only a random session token (HttpOnly, SameSite=Strict cookie). The database keeps
the token's hash, so a copied database cannot be replayed as a session. Each session has its
own CSRF token, which every form posts back.

A session is never trusted on its own: each request looks its client up in the current client
configuration and needs the same key (by fingerprint) and the `approve` scope. Removing the
client, rotating its key or taking away `approve` ends every session at the next request,
across restarts; the row is deleted and the refusal audited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from .platform.auth import ClientRegistry
from .platform.database import Database
from .platform.schema_migrations import Migration
from .service import Clock

SESSION_TTL = timedelta(hours=8)
SCOPE = "approve"
SCHEMA = """
CREATE TABLE IF NOT EXISTS reviewer_sessions (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""
# Sessions opened before version 2 carry no key fingerprint, so they end at their next request.
KEY_FINGERPRINT = "ALTER TABLE reviewer_sessions ADD COLUMN key_fingerprint TEXT NOT NULL DEFAULT ''"
MIGRATIONS = (
    Migration(1, "reviewer sessions, as of template 0.1.0", SCHEMA),
    Migration(2, "sessions remember their key's fingerprint", KEY_FINGERPRINT),
)


@dataclass(frozen=True)
class ReviewerSession:
    client_id: str
    csrf_token: str

    def accepts(self, submitted: str) -> bool:
        """Constant-time check of the CSRF token a form posted."""
        return hmac.compare_digest(self.csrf_token.encode(), submitted.encode())


class SessionRevoked(Exception):
    """The session's client lost its key or its `approve` scope; the message says which."""


class ReviewerSessions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        db.migrate("reviewer_sessions", MIGRATIONS)

    def open(self, client_id: str, key: str) -> tuple[str, ReviewerSession]:
        """Start a session; returns the cookie token (shown once, stored hashed) and the session."""
        token = secrets.token_urlsafe(32)
        session = ReviewerSession(client_id, secrets.token_urlsafe(32))
        now = self.clock()
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM reviewer_sessions WHERE expires_at <= ?", (now.isoformat(timespec="seconds"),))
            tx.execute(
                "INSERT INTO reviewer_sessions (token_hash, client_id, key_fingerprint, csrf_token, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (_hash(token), client_id, _hash(key), session.csrf_token,
                 (now + SESSION_TTL).isoformat(timespec="seconds")),
            )  # fmt: skip
        return token, session

    def find(self, token: str | None, clients: ClientRegistry) -> ReviewerSession | None:
        """The live session behind `token`; raises `SessionRevoked` if its client may no longer approve."""
        if not token:
            return None
        now = self.clock().isoformat(timespec="seconds")
        with self.db.reading() as tx:
            row = tx.one(
                "SELECT client_id, key_fingerprint, csrf_token FROM reviewer_sessions"
                " WHERE token_hash = ? AND expires_at > ?",
                (_hash(token), now),
            )
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
            tx.execute("DELETE FROM reviewer_sessions WHERE token_hash = ?", (_hash(token),))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
