"""Who is calling: API keys or bearer tokens mapped to scopes and a clearance level.

Clients come from settings (`API_CLIENTS`, JSON). In local mode with none
configured, one development client exists so the quick start needs no setup.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel

from .errors import AuthError

CLEARANCES = ("public", "internal", "confidential", "restricted")
SCOPES = ("query", "ingest", "approve", "admin")
LOCAL_DEV_KEY = "local-dev-key"
FAILED_AUTH_PER_MINUTE = 30
# Failed attempts are counted per presented key prefix: guessing at one key slows down, and
# nobody's failures (one proxy address for everyone) can lock a valid key out.
FAILED_AUTH_PREFIX_CHARS = 8
# Their buckets sit beside the clients' in a shared limiter, under this prefix.
FAILED_AUTH_BUCKET = "failed-key:"


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

    def __init__(
        self, clients: dict[str, ApiClient], *, limiter: Limiter | None = None, failures: Limiter | None = None
    ) -> None:
        """`limiter` counts each client's requests, `failures` the failed attempts per presented key prefix
        (default: per process; the app passes the runtime's PostgreSQL limiter as both when state is
        shared, so replicas enforce one `rate_per_minute` and one failed-attempt budget together)."""
        for name, client in clients.items():
            unknown = set(client.scopes) - set(SCOPES)
            if unknown:
                known = ", ".join(SCOPES)
                raise ValueError(f"API_CLIENTS: client {name!r} has unknown scope(s) {sorted(unknown)}; known: {known}")
            if client.clearance not in CLEARANCES:
                raise ValueError(f"API_CLIENTS: client {name!r} clearance must be one of {CLEARANCES}")
        self._clients = clients
        self._limiter: Limiter = limiter or RateLimiter()
        self._failures: Limiter = failures or RateLimiter(max_keys=10_000)  # per process: bounded under a flood

    @classmethod
    def local_default(cls, *, limiter: Limiter | None = None, failures: Limiter | None = None) -> ClientRegistry:
        client = ApiClient(key=LOCAL_DEV_KEY, scopes=list(SCOPES), clearance="confidential")
        return cls({"local-dev": client}, limiter=limiter, failures=failures)

    def current(self, client_id: str) -> Caller | None:
        """The client as configured now (None once removed): browser sessions re-check it on every request."""
        client = self._clients.get(client_id)
        return Caller(client_id, frozenset(client.scopes), client.clearance) if client else None

    def client(self, name: str) -> ApiClient | None:
        """The client configured under `name` now (None once it is removed)."""
        return self._clients.get(name)

    def authenticate(self, key: str | None, scope: str, *, remote: str = "unknown") -> Caller:
        """The caller for `key`, or `AuthError` (401 unknown, 403 scope, 429 rate limit).

        A valid key is never refused for other callers' failures: failed attempts are counted
        per presented key prefix, never per address (`remote` does not decide anything).
        """
        if not key:
            raise AuthError(401, "missing credentials: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
        for name, client in self._clients.items():
            if hmac.compare_digest(client.key.encode(), key.encode()):
                if scope not in client.scopes:
                    raise AuthError(403, f"client {name!r} lacks scope {scope!r}")
                if not self._limiter.allow(name, client.rate_per_minute):
                    raise AuthError(429, f"rate limit of {client.rate_per_minute}/min exceeded for client {name!r}")
                return Caller(name, frozenset(client.scopes), client.clearance)
        if not self._failures.allow(FAILED_AUTH_BUCKET + key[:FAILED_AUTH_PREFIX_CHARS], FAILED_AUTH_PER_MINUTE):
            raise AuthError(429, "too many failed authentication attempts with this key; wait a minute")
        raise AuthError(401, "unknown API key")


class Limiter(Protocol):
    def allow(self, client: str, per_minute: int) -> bool: ...


class RateLimiter:
    """Token bucket per client: smooth, in-memory, per process.

    `max_keys` bounds memory when the keys come from callers (wrong API keys): past it, the
    least recently used bucket is forgotten.
    """

    def __init__(self, clock=time.monotonic, *, max_keys: int | None = None) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, client: str, per_minute: int) -> bool:
        """True (and one token used) if `client` has a token left."""
        rate = per_minute / 60.0
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(client, (float(per_minute), now))
            tokens = min(float(per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._store(client, (tokens, now))
                return False
            self._store(client, (tokens - 1.0, now))
            return True

    def _store(self, client: str, bucket: tuple[float, float]) -> None:
        self._buckets[client] = bucket
        self._buckets.move_to_end(client)
        if self._max_keys is not None and len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # least recently used: refilled, or nearly
