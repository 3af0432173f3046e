"""Who is calling: API keys or bearer tokens mapped to scopes and a clearance level.

Clients come from settings (`API_CLIENTS`, JSON). In local mode with none
configured, one development client exists so the quick start needs no setup.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass

from pydantic import BaseModel

from .errors import AuthError

CLEARANCES = ("public", "internal", "confidential", "restricted")
SCOPES = ("query", "ingest", "approve", "admin")
LOCAL_DEV_KEY = "local-dev-key"
FAILED_AUTH_PER_MINUTE = 30


class ApiClient(BaseModel):
    key: str
    scopes: list[str] = ["query"]
    clearance: str = "internal"
    rate_per_minute: int = 120


@dataclass(frozen=True)
class Caller:
    """An authenticated client; `clearance` bounds what retrieval may show it."""

    client_id: str
    scopes: frozenset[str]
    clearance: str

    def may_see(self, classification: str) -> bool:
        rank = {name: i for i, name in enumerate(CLEARANCES)}
        return rank.get(classification, len(CLEARANCES)) <= rank.get(self.clearance, -1)


class ClientRegistry:
    """Looks callers up by key in constant time per comparison (no timing oracle)."""

    def __init__(self, clients: dict[str, ApiClient]) -> None:
        for name, client in clients.items():
            unknown = set(client.scopes) - set(SCOPES)
            if unknown:
                known = ", ".join(SCOPES)
                raise ValueError(f"API_CLIENTS: client {name!r} has unknown scope(s) {sorted(unknown)}; known: {known}")
            if client.clearance not in CLEARANCES:
                raise ValueError(f"API_CLIENTS: client {name!r} clearance must be one of {CLEARANCES}")
        self._clients = clients
        self._limiter = RateLimiter()

    @classmethod
    def local_default(cls) -> ClientRegistry:
        return cls({"local-dev": ApiClient(key=LOCAL_DEV_KEY, scopes=list(SCOPES), clearance="confidential")})

    def authenticate(self, key: str | None, scope: str, *, remote: str = "unknown") -> Caller:
        if not self._limiter.allow(f"failed-auth:{remote}", FAILED_AUTH_PER_MINUTE, consume=False):
            raise AuthError(429, "too many failed authentication attempts; wait a minute")
        if not key:
            raise AuthError(401, "missing credentials: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        for name, client in self._clients.items():
            if hmac.compare_digest(client.key.encode(), key.encode()):
                if scope not in client.scopes:
                    raise AuthError(403, f"client {name!r} lacks scope {scope!r}")
                if not self._limiter.allow(name, client.rate_per_minute):
                    raise AuthError(429, f"rate limit of {client.rate_per_minute}/min exceeded for client {name!r}")
                return Caller(name, frozenset(client.scopes), client.clearance)
        self._limiter.allow(f"failed-auth:{remote}", FAILED_AUTH_PER_MINUTE)  # key guessing costs a token
        raise AuthError(401, "unknown API key")


class RateLimiter:
    """Token bucket per client: smooth, in-memory, per process."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str, per_minute: int, *, consume: bool = True) -> bool:
        """True if `client` has a token left; `consume=False` only looks."""
        rate = per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                return False
            self._buckets[client] = (tokens - 1.0 if consume else tokens, now)
            return True
