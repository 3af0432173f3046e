"""Browser sessions for the reviewer page.

A reviewer signs in once with an API key that holds the `approve` scope; the browser
then carries only a random session token (HttpOnly, SameSite=Strict cookie). The
database keeps the token's hash, so a copied database cannot be replayed as a session.
Each session has its own CSRF token, which every form posts back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from .platform.schema_migrations import Migration, migrate_sqlite
from .service import Clock
from .store import ProposalStore

SESSION_TTL = timedelta(hours=8)
SCHEMA = """
CREATE TABLE IF NOT EXISTS reviewer_sessions (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class ReviewerSession:
    client_id: str
    csrf_token: str

    def accepts(self, submitted: str) -> bool:
        """Constant-time check of the CSRF token a form posted."""
        return hmac.compare_digest(self.csrf_token.encode(), submitted.encode())


MIGRATIONS = (Migration(1, "reviewer sessions, as of template 0.1.0", SCHEMA),)


class ReviewerSessions:
    def __init__(self, store: ProposalStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        with store.reading() as conn:
            migrate_sqlite(conn, "reviewer_sessions", MIGRATIONS)

    def open(self, client_id: str) -> tuple[str, ReviewerSession]:
        """Start a session; returns the cookie token (shown once, stored hashed) and the session."""
        token = secrets.token_urlsafe(32)
        session = ReviewerSession(client_id, secrets.token_urlsafe(32))
        now = self.clock()
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM reviewer_sessions WHERE expires_at <= ?", (now.isoformat(timespec="seconds"),))
            conn.execute(
                "INSERT INTO reviewer_sessions (token_hash, client_id, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
                (_hash(token), client_id, session.csrf_token, (now + SESSION_TTL).isoformat(timespec="seconds")),
            )
        return token, session

    def find(self, token: str | None) -> ReviewerSession | None:
        if not token:
            return None
        now = self.clock().isoformat(timespec="seconds")
        with self.store.reading() as conn:
            row = conn.execute(
                "SELECT client_id, csrf_token FROM reviewer_sessions WHERE token_hash = ? AND expires_at > ?",
                (_hash(token), now),
            ).fetchone()
        return ReviewerSession(row["client_id"], row["csrf_token"]) if row else None

    def close(self, token: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("DELETE FROM reviewer_sessions WHERE token_hash = ?", (_hash(token),))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
