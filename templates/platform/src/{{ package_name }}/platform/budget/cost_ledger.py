"""The cost ledger: every reservation and every settled call, in one SQLite file (WAL).

Why SQLite: the budget must hold across threads *and* worker processes of one service
without another server. `BEGIN IMMEDIATE` takes the single write lock before reading the
totals, so "check then reserve" is one atomic step for every process that opens the file.
Amounts are integer nanodollars (see `pricing.py`). Periods are UTC and stored as sortable
keys: `H2026-11-29T13` (hour), `D2026-11-29` (day), `M2026-11` (month).
`synchronous=NORMAL` survives any process crash; a power loss may drop the last commits.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..schema_migrations import Migration, migrate_sqlite
from ..sqlite_db import immediate_transaction

TOTAL = "*"  # scope of the project-wide totals; feature names may not use it

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reservations (
    id TEXT PRIMARY KEY, feature TEXT NOT NULL, model TEXT NOT NULL,
    amount_nano INTEGER NOT NULL, created_at REAL NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS reservations_by_expiry ON reservations(expires_at);
CREATE INDEX IF NOT EXISTS reservations_by_feature ON reservations(feature);
CREATE TABLE IF NOT EXISTS spend (
    reservation_id TEXT PRIMARY KEY, feature TEXT NOT NULL, model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
    cost_nano INTEGER NOT NULL, reserved_nano INTEGER NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS spend_by_time ON spend(at);
CREATE TABLE IF NOT EXISTS totals (
    scope TEXT NOT NULL, period TEXT NOT NULL, spent_nano INTEGER NOT NULL, calls INTEGER NOT NULL,
    PRIMARY KEY (scope, period)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    kind TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL, first_at REAL NOT NULL,
    last_at REAL NOT NULL, count INTEGER NOT NULL, detail TEXT NOT NULL,
    PRIMARY KEY (kind, scope, period)) WITHOUT ROWID;
"""
MIGRATIONS = (Migration(1, "reservations, spend, totals and events, as of template 0.1.0", _SCHEMA),)


def utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def hour_key(moment: datetime) -> str:
    return utc(moment).strftime("H%Y-%m-%dT%H")


def day_key(moment: datetime) -> str:
    return utc(moment).strftime("D%Y-%m-%d")


def month_key(moment: datetime) -> str:
    return utc(moment).strftime("M%Y-%m")


@dataclass(frozen=True)
class SettleOutcome:
    cost_nano: int
    recorded: bool  # False: this reservation was settled before; nothing added
    late: bool  # True: the reservation had expired or been released before the settle


@dataclass(frozen=True)
class LedgerEvent:
    kind: str
    scope: str
    period: str
    first_at: datetime
    last_at: datetime
    count: int
    detail: dict[str, object]


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced: a finished thread's connection is freed with it."""


class LedgerTransaction:
    """Reads and writes inside one `BEGIN IMMEDIATE` transaction (see `CostLedger.transaction`)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn  # the raw connection, inside the open transaction

    def expire_stale(self, now: float) -> list[tuple[str, str, int]]:
        """Drop reservations whose caller never settled (crash, kill); returns (id, feature, nano)."""
        # SELECT then DELETE rather than DELETE ... RETURNING: SQLite < 3.35 still ships on LTS distros.
        rows = self.conn.execute(
            "SELECT id, feature, amount_nano FROM reservations WHERE expires_at <= ?", (now,)
        ).fetchall()
        if rows:
            self.conn.execute("DELETE FROM reservations WHERE expires_at <= ?", (now,))
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def committed(self, scope: str, period: str) -> int:
        row = self.conn.execute(
            "SELECT spent_nano FROM totals WHERE scope = ? AND period = ?", (scope, period)
        ).fetchone()
        return int(row[0]) if row else 0

    def used(self, windows: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Spent plus open reservations for each (scope, period)."""
        return {window: spent + reserved for window, (spent, reserved) in self.usage(windows).items()}

    def usage(self, windows: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, int]]:
        """(spent, held by open reservations) for each (scope, period), in two statements for all of them.

        A budget has at most two scopes (the feature, the project total) and two periods (day, month).
        """
        scopes = sorted({scope for scope, _ in windows})
        periods = sorted({period for _, period in windows})
        if not 1 <= len(scopes) <= 2 or not 1 <= len(periods) <= 2:
            raise ValueError(f"budget windows: expected 1-2 scopes and 1-2 periods, got {windows}")
        rows = self.conn.execute(
            "SELECT scope, period, spent_nano FROM totals WHERE scope IN (?, ?) AND period IN (?, ?)",
            ((scopes * 2)[:2] + (periods * 2)[:2]),
        ).fetchall()
        spent = {(str(scope), str(period)): int(nano) for scope, period, nano in rows}
        open_rows = self.conn.execute("SELECT feature, SUM(amount_nano) FROM reservations GROUP BY feature").fetchall()
        reserved = {str(feature): int(nano) for feature, nano in open_rows}
        total_reserved = sum(reserved.values())
        return {
            (scope, period): (
                spent.get((scope, period), 0),
                total_reserved if scope == TOTAL else reserved.get(scope, 0),
            )
            for scope, period in windows
        }

    def add_reservation(
        self, *, reservation_id: str, feature: str, model: str, amount_nano: int, created_at: float, expires_at: float
    ) -> None:
        self.conn.execute(
            "INSERT INTO reservations (id, feature, model, amount_nano, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (reservation_id, feature, model, amount_nano, created_at, expires_at),
        )

    def record_event(self, *, kind: str, scope: str, period: str, at: float, detail: dict[str, object]) -> int:
        """Upsert one (kind, scope, period) event; returns how often it has happened (1 = first time)."""
        self.conn.execute(
            "INSERT INTO events (kind, scope, period, first_at, last_at, count, detail)"
            " VALUES (?, ?, ?, ?, ?, 1, ?)"
            " ON CONFLICT (kind, scope, period) DO UPDATE SET last_at = excluded.last_at, count = events.count + 1",
            (kind, scope, period, at, at, json.dumps(detail, sort_keys=True)),
        )
        row = self.conn.execute(
            "SELECT count FROM events WHERE kind = ? AND scope = ? AND period = ?", (kind, scope, period)
        ).fetchone()
        return int(row[0])


class CostLedger:
    """Thread- and process-safe ledger; one connection per thread (and per forked process)."""

    def __init__(self, db_path: Path, *, busy_timeout_s: float = 30.0):
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        # Threads of one process queue here instead of spinning on SQLite's busy handler;
        # other processes are serialised by SQLite's own write lock.
        self._write_lock = threading.Lock()
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._connections_lock = threading.Lock()
        conn = self._conn()
        conn.execute("PRAGMA journal_mode=WAL")
        with self.transaction() as tx:
            migrate_sqlite(tx.conn, "ledger", MIGRATIONS)

    def _conn(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            conn = sqlite3.connect(
                self.db_path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
                factory=_Connection,
            )
            conn.execute("PRAGMA synchronous=NORMAL")
            local.conn, local.pid = conn, os.getpid()
            with self._connections_lock:
                self._connections.add(conn)
        return local.conn

    @contextmanager
    def transaction(self) -> Iterator[LedgerTransaction]:
        """One atomic read-check-write step; commits on success, rolls back on any error."""
        conn = self._conn()
        with self._write_lock, immediate_transaction(conn):
            yield LedgerTransaction(conn)

    def settle(
        self,
        *,
        reservation_id: str,
        feature: str,
        model: str,
        input_tokens: int,
        output_tokens: int,
        cost_nano: int,
        reserved_nano: int,
        at: datetime,
    ) -> SettleOutcome:
        """Turn a reservation into spend exactly once: a repeated settle adds nothing."""
        moment = utc(at)
        with self.transaction() as tx:
            conn = tx.conn
            inserted = conn.execute(
                "INSERT INTO spend (reservation_id, feature, model, input_tokens, output_tokens,"
                " cost_nano, reserved_nano, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (reservation_id) DO NOTHING",
                (
                    reservation_id,
                    feature,
                    model,
                    input_tokens,
                    output_tokens,
                    cost_nano,
                    reserved_nano,
                    moment.timestamp(),
                ),
            ).rowcount
            if not inserted:
                previous = conn.execute(
                    "SELECT cost_nano FROM spend WHERE reservation_id = ?", (reservation_id,)
                ).fetchone()
                return SettleOutcome(int(previous[0]), recorded=False, late=False)
            released = conn.execute("DELETE FROM reservations WHERE id = ?", (reservation_id,)).rowcount
            conn.executemany(
                "INSERT INTO totals (scope, period, spent_nano, calls) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (scope, period) DO UPDATE"
                " SET spent_nano = totals.spent_nano + excluded.spent_nano, calls = totals.calls + 1",
                [
                    (scope, period, cost_nano)
                    for scope in (feature, TOTAL)
                    for period in (hour_key(moment), day_key(moment), month_key(moment))
                ],
            )
        # A free call is never held (see BudgetGuard.reserve), so there was nothing to release.
        return SettleOutcome(cost_nano, recorded=True, late=released == 0 and reserved_nano > 0)

    def release(self, reservation_id: str) -> bool:
        """Forget a reservation whose call failed; True if it was still open."""
        with self.transaction() as tx:
            deleted = tx.conn.execute("DELETE FROM reservations WHERE id = ?", (reservation_id,)).rowcount
        return deleted > 0

    def record_event(self, *, kind: str, scope: str, period: str, at: datetime, detail: dict[str, object]) -> int:
        with self.transaction() as tx:
            return tx.record_event(kind=kind, scope=scope, period=period, at=utc(at).timestamp(), detail=detail)

    # -- reads (no write lock; WAL readers never block the writer) ---------------------------

    def reader(self) -> sqlite3.Connection:
        """This thread's connection, for reads outside a transaction."""
        return self._conn()

    def spent_nano(self, scope: str, period: str) -> int:
        return LedgerTransaction(self._conn()).committed(scope, period)

    def open_reservation_count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM reservations").fetchone()[0])

    def spend_row_count(self) -> int:
        return int(self._conn().execute("SELECT COUNT(*) FROM spend").fetchone()[0])

    def sum_spend_nano(self) -> int:
        """Sum over every settled call, independent of the period totals (used to cross-check them)."""
        return int(self._conn().execute("SELECT COALESCE(SUM(cost_nano), 0) FROM spend").fetchone()[0])

    def series(self, scope: str, first: str, last: str) -> dict[str, int]:
        """Spend per period key in [first, last] (keys of one kind: all H, all D or all M)."""
        rows = (
            self._conn()
            .execute(
                "SELECT period, spent_nano FROM totals WHERE scope = ? AND period BETWEEN ? AND ?",
                (scope, first, last),
            )
            .fetchall()
        )
        return {str(period): int(nano) for period, nano in rows}

    def first_period(self, scope: str, kind: str) -> str | None:
        """Earliest period key of one kind ('H', 'D' or 'M') with spend for `scope`."""
        row = (
            self._conn()
            .execute(
                "SELECT MIN(period) FROM totals WHERE scope = ? AND period >= ? AND period < ?",
                (scope, kind, chr(ord(kind) + 1)),
            )
            .fetchone()
        )
        return row[0] if row and row[0] else None

    def features(self, first: str, last: str | None = None) -> list[str]:
        """Features with settled spend in periods [first, last] of one kind (e.g. this month's key)."""
        rows = (
            self._conn()
            .execute(
                "SELECT DISTINCT scope FROM totals WHERE period BETWEEN ? AND ? AND scope != ? ORDER BY scope",
                (first, last or first, TOTAL),
            )
            .fetchall()
        )
        return [str(row[0]) for row in rows]

    def events(self, kinds: tuple[str, ...] = ()) -> list[LedgerEvent]:
        rows = (
            self._conn()
            .execute("SELECT kind, scope, period, first_at, last_at, count, detail FROM events ORDER BY last_at")
            .fetchall()
        )
        return [
            LedgerEvent(
                kind=kind,
                scope=scope,
                period=period,
                count=int(count),
                detail=json.loads(detail),
                first_at=datetime.fromtimestamp(first_at, UTC),
                last_at=datetime.fromtimestamp(last_at, UTC),
            )
            for kind, scope, period, first_at, last_at, count, detail in rows
            if not kinds or kind in kinds
        ]

    def close(self) -> None:
        """Close every connection this ledger opened (call when no thread still uses it)."""
        with self._connections_lock:
            for conn in list(self._connections):
                conn.close()
            self._connections.clear()
        self._local = threading.local()
