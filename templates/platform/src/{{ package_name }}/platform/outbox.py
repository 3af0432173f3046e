"""A transactional outbox: work that must happen if, and only if, a transaction commits.

A state change and the messages about it are written in one transaction (`put(tx, ...)`),
so a crash can lose neither half alone. Messages are then consumed in one of two ways:

- **work queue** (`claim` / `done` / `retry` / `give_up`): jobs and deliveries, at least once.
  A worker claims a batch under a lease; a crashed worker's lease runs out and another worker
  claims the job again, so a consumer must be idempotent (or mark the job `done` in the same
  transaction as its own effect, which makes it exactly once). PostgreSQL workers claim with
  `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on, or take, each other's jobs.
- **ordered stream** (`read_after` / `prune`): every message of a topic in commit order after a
  cursor. A consumer that stores the cursor atomically with its own write (the audit log does)
  gets each message exactly once. SQLite commits one writer at a time, so ids are in commit
  order; on PostgreSQL a message becomes readable only once every transaction that began
  before it has ended (`pg_snapshot_xmin`), so a late commit can never slip in behind the cursor.

Generic on purpose: a topic is a name and a payload is JSON; nothing here knows a pattern.
"""

# ruff: noqa: S608 - SQL is assembled from this module's constants; values are always bound

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .database import Database, Transaction
from .schema_migrations import Migration

TABLE = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    not_before TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_until TEXT,
    done_at TEXT,
    dead_at TEXT,
    last_error TEXT{txid}
);
CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (topic, not_before) WHERE done_at IS NULL AND dead_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_key ON outbox (topic, key);
CREATE TABLE IF NOT EXISTS outbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
# PostgreSQL records the writing transaction, which orders the stream by commit, not by id.
POSTGRES_TXID = ",\n    txid xid8 NOT NULL DEFAULT pg_current_xact_id()"
COLUMNS = "id, topic, key, payload, created_at, attempts, last_error"
START = "0:0"


def stamp(moment: datetime) -> str:
    """The one text form of an instant in the outbox, so times compare as strings on both engines."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Message:
    id: int
    topic: str
    key: str
    payload: dict[str, Any]
    created_at: str
    attempts: int
    last_error: str | None = None


class Outbox:
    """Messages in the same database as the state they describe."""

    def __init__(self, db: Database) -> None:
        self.db = db
        table = TABLE.format(txid=POSTGRES_TXID if db.dialect == "postgres" else "")
        db.migrate("outbox", (Migration(1, "outbox messages and the database's instance id", table),))
        with db.transaction() as tx:
            tx.execute(
                "INSERT INTO outbox_meta (key, value) VALUES ('instance', ?) ON CONFLICT (key) DO NOTHING",
                (uuid.uuid4().hex,),
            )
            # Names this database to consumers that keep a cursor per source (the audit log does).
            self.instance: str = tx.scalar("SELECT value FROM outbox_meta WHERE key = 'instance'")

    # -- writing, inside the caller's transaction ---------------------------------------------

    def put(
        self, tx: Transaction, topic: str, payload: dict[str, Any], *, key: str, now: datetime, delay_s: float = 0
    ) -> None:
        """Add a message; it exists only if `tx` commits. `key` names it for consumers (dedupe, lookups)."""
        body = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
        tx.execute(
            "INSERT INTO outbox (topic, key, payload, created_at, not_before) VALUES (?, ?, ?, ?, ?)",
            (topic, key, body, stamp(now), stamp(now + timedelta(seconds=delay_s))),
        )

    # -- work queue ----------------------------------------------------------------------------

    def claim(
        self, topic: str, *, worker: str, now: datetime, lease_s: float = 60.0, limit: int = 10, key: str | None = None
    ) -> list[Message]:
        """Lease up to `limit` due messages to `worker` (optionally only those with `key`)."""
        at = stamp(now)
        extra, params = ("AND key = ? ", (key,)) if key is not None else ("", ())
        with self.db.transaction() as tx:
            rows = tx.all(
                "UPDATE outbox SET claimed_by = ?, claimed_until = ?, attempts = attempts + 1"
                " WHERE id IN (SELECT id FROM outbox WHERE topic = ? AND done_at IS NULL AND dead_at IS NULL"
                f" AND not_before <= ? AND (claimed_until IS NULL OR claimed_until <= ?) {extra}"
                f" ORDER BY id LIMIT ?{tx.skip_locked})"
                f" RETURNING {COLUMNS}",
                (worker, stamp(now + timedelta(seconds=lease_s)), topic, at, at, *params, limit),
            )
        return sorted((_message(row) for row in rows), key=lambda message: message.id)

    def done(self, message_id: int, *, now: datetime, tx: Transaction | None = None) -> None:
        """Mark a message handled; pass the consumer's `tx` to make handling and marking one commit."""
        if tx is None:
            with self.db.transaction() as own:
                self.done(message_id, now=now, tx=own)
            return
        tx.execute(
            "UPDATE outbox SET done_at = ?, claimed_until = NULL WHERE id = ? AND done_at IS NULL",
            (stamp(now), message_id),
        )

    def retry(
        self, message_id: int, *, error: str, now: datetime, delay_s: float, tx: Transaction | None = None
    ) -> None:
        """Release a claimed message to be tried again after `delay_s`."""
        if tx is None:
            with self.db.transaction() as own:
                self.retry(message_id, error=error, now=now, delay_s=delay_s, tx=own)
            return
        tx.execute(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL, not_before = ?, last_error = ?"
            " WHERE id = ? AND done_at IS NULL",
            (stamp(now + timedelta(seconds=delay_s)), error[:500], message_id),
        )

    def finish(self, tx: Transaction, topic: str, key: str, *, now: datetime) -> int:
        """Mark every unhandled message of `topic` with `key` done (the work happened another way)."""
        cursor = tx.execute(
            "UPDATE outbox SET done_at = ?, claimed_until = NULL WHERE topic = ? AND key = ? AND done_at IS NULL",
            (stamp(now), topic, key),
        )
        return cursor.rowcount

    def give_up(self, message_id: int, *, error: str, now: datetime, tx: Transaction | None = None) -> None:
        """Stop trying (a dead letter kept for inspection)."""
        if tx is None:
            with self.db.transaction() as own:
                self.give_up(message_id, error=error, now=now, tx=own)
            return
        tx.execute(
            "UPDATE outbox SET dead_at = ?, claimed_until = NULL, last_error = ? WHERE id = ? AND done_at IS NULL",
            (stamp(now), error[:500], message_id),
        )

    # -- ordered stream ------------------------------------------------------------------------

    def read_after(self, topic: str, cursor: str | None, *, limit: int = 500) -> tuple[list[Message], str]:
        """Messages of `topic` committed after `cursor`, in commit order, and the cursor after them."""
        txid, last_id = (cursor or START).split(":")
        with self.db.reading() as tx:
            if tx.dialect == "postgres":
                # The text form gets its own name: ORDER BY txid would sort by an output column called
                # txid, as text, and put "1000" before "999" (messages read twice across the boundary).
                rows = tx.all(
                    f"SELECT {COLUMNS}, txid::text AS cursor_txid FROM outbox WHERE topic = ?"
                    " AND (txid, id) > (?::xid8, ?) AND txid < pg_snapshot_xmin(pg_current_snapshot())"
                    " ORDER BY outbox.txid, outbox.id LIMIT ?",
                    (topic, txid, int(last_id), limit),
                )
            else:
                rows = tx.all(
                    f"SELECT {COLUMNS}, '0' AS cursor_txid FROM outbox WHERE topic = ? AND id > ? ORDER BY id LIMIT ?",
                    (topic, int(last_id), limit),
                )
        if not rows:
            return [], cursor or START
        return [_message(row) for row in rows], f"{rows[-1]['cursor_txid']}:{rows[-1]['id']}"

    def prune(self, topic: str, cursor: str) -> None:
        """Delete stream messages up to `cursor` (their consumer has them)."""
        txid, last_id = cursor.split(":")
        with self.db.transaction() as tx:
            if tx.dialect == "postgres":
                tx.execute(
                    "DELETE FROM outbox WHERE topic = ? AND (txid, id) <= (?::xid8, ?)", (topic, txid, int(last_id))
                )
            else:
                tx.execute("DELETE FROM outbox WHERE topic = ? AND id <= ?", (topic, int(last_id)))

    # -- inspection ----------------------------------------------------------------------------

    def pending(self, topic: str) -> int:
        """Messages of `topic` not yet handled, dead or pruned."""
        with self.db.reading() as tx:
            return int(
                tx.scalar(
                    "SELECT COUNT(*) AS n FROM outbox WHERE topic = ? AND done_at IS NULL AND dead_at IS NULL", (topic,)
                )
            )

    def find(self, topic: str, key: str) -> list[Message]:
        with self.db.reading() as tx:
            rows = tx.all(f"SELECT {COLUMNS} FROM outbox WHERE topic = ? AND key = ? ORDER BY id", (topic, key))
        return [_message(row) for row in rows]

    def dead(self, topic: str) -> list[Message]:
        with self.db.reading() as tx:
            rows = tx.all(f"SELECT {COLUMNS} FROM outbox WHERE topic = ? AND dead_at IS NOT NULL ORDER BY id", (topic,))
        return [_message(row) for row in rows]


def _message(row: Any) -> Message:
    return Message(
        id=int(row["id"]),
        topic=row["topic"],
        key=row["key"],
        payload=json.loads(row["payload"]),
        created_at=row["created_at"],
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
    )
