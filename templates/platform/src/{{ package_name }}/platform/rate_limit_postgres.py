"""API rate limits shared by every replica: one token bucket per client, in PostgreSQL.

The in-memory `RateLimiter` counts per process, so N replicas would let a client through N
times its `rate_per_minute`. Here a bucket is one row; refilling and taking a token is one
`INSERT ... ON CONFLICT DO UPDATE ... WHERE`, which PostgreSQL runs under the row's lock, so
concurrent requests on every replica see each other's tokens. Time is the database server's
clock, so replicas with drifting clocks still agree. The same limiter counts failed
authentication attempts (buckets `failed-key:<key prefix>`, see auth.py), so a key guessed at
through one replica is slowed down on all of them. Callers choose those keys, so rows whose
bucket has refilled (untouched for a minute: the same as no row) are pruned now and then.
"""

from __future__ import annotations

import itertools

from .schema_migrations import Migration
from .storage import PostgresDatabase

SCHEMA = "platform_ratelimit"
MIGRATIONS = (
    Migration(
        1,
        "token buckets per client (PostgreSQL)",
        "CREATE TABLE IF NOT EXISTS rate_buckets (client TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL,"
        " at DOUBLE PRECISION NOT NULL)",
    ),
)
_TAKE = (
    "INSERT INTO rate_buckets AS b (client, tokens, at) VALUES (?, ? - 1, extract(epoch FROM clock_timestamp()))"
    " ON CONFLICT (client) DO UPDATE SET tokens = LEAST(?, b.tokens + (excluded.at - b.at) * ?) - 1, at = excluded.at"
    " WHERE LEAST(?, b.tokens + (excluded.at - b.at) * ?) >= 1"
    " RETURNING tokens"
)
# Buckets refill at per_minute/60 tokens a second up to per_minute: after 60 s untouched, any bucket is full.
_PRUNE = "DELETE FROM rate_buckets WHERE at < extract(epoch FROM clock_timestamp()) - 60"
PRUNE_EVERY = 1000


class PostgresRateLimiter:
    """`RateLimiter.allow` with the buckets in PostgreSQL (schema `platform_ratelimit`)."""

    def __init__(self, url: str) -> None:
        self.db = PostgresDatabase(url, SCHEMA, store="rate_limit", migrations=MIGRATIONS, pool_size=4)
        self._calls = itertools.count(1)

    def allow(self, client: str, per_minute: int) -> bool:
        """True (and one token used) if `client` has a token left across all replicas."""
        burst, rate = float(per_minute), per_minute / 60.0
        with self.db.transaction() as conn:
            allowed = conn.execute(_TAKE, (client, burst, burst, rate, burst, rate)).fetchone() is not None
        if next(self._calls) % PRUNE_EVERY == 0:
            self.prune()
        return allowed

    def prune(self) -> int:
        """Forget full buckets (none is lost: a missing row is a full bucket); returns how many."""
        with self.db.transaction() as conn:
            return conn.execute(_PRUNE).rowcount

    def close(self) -> None:
        self.db.close()
