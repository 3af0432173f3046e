"""Browser sessions for the claim review page, kept in the evidence ledger's database.

A reviewer signs in once with an API key holding the `approve` scope; the browser then carries
only a random token (HttpOnly, SameSite=Strict cookie) whose hash is stored. Every request
re-checks the client's current configuration, so removing a client or its `approve` scope ends
its sessions on the next request. Each session has its own CSRF token that every form posts back.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .ledger import EvidenceLedger

SESSION_TTL = timedelta(hours=8)


@dataclass(frozen=True)
class ReviewSession:
    client_id: str
    csrf_token: str

    def accepts(self, submitted: str) -> bool:
        return hmac.compare_digest(self.csrf_token.encode(), submitted.encode())


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(ledger: EvidenceLedger, client_id: str, now: datetime) -> tuple[str, ReviewSession]:
    token = secrets.token_urlsafe(32)
    session = ReviewSession(client_id, secrets.token_urlsafe(32))
    with ledger.transaction() as conn:
        conn.execute("DELETE FROM review_sessions WHERE expires_at <= ?", (now.isoformat(timespec="seconds"),))
        conn.execute(
            "INSERT INTO review_sessions (token_hash, client_id, csrf_token, expires_at) VALUES (?, ?, ?, ?)",
            (_hash(token), client_id, session.csrf_token, (now + SESSION_TTL).isoformat(timespec="seconds")),
        )
    return token, session


def find_session(ledger: EvidenceLedger, token: str | None, now: datetime) -> ReviewSession | None:
    if not token:
        return None
    with ledger.reading() as conn:
        row = conn.execute(
            "SELECT client_id, csrf_token FROM review_sessions WHERE token_hash = ? AND expires_at > ?",
            (_hash(token), now.isoformat(timespec="seconds")),
        ).fetchone()
    return ReviewSession(row["client_id"], row["csrf_token"]) if row else None


def close_session(ledger: EvidenceLedger, token: str) -> None:
    with ledger.transaction() as conn:
        conn.execute("DELETE FROM review_sessions WHERE token_hash = ?", (_hash(token),))
