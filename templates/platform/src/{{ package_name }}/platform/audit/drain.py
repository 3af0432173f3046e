"""Audit records that exist if and only if their state change committed.

The audit log is its own SQLite file, so it cannot share a transaction with a pattern's
database. Instead a state change writes its audit entry into that database's outbox, in the
same transaction (`AuditOutbox.put`); `drain()` later copies committed entries to the log in
commit order. The log stores how far each source has been copied (a cursor advanced in the
same transaction as the append), so a drain that crashes half-way, or two drains racing,
append every entry exactly once:

    crash before the state change commits   -> no entry, no record
    crash after commit, before the drain    -> the next drain (any process) appends it
    crash after the append, before pruning  -> the cursor says it is done; it is pruned, not re-sent
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from ..database import Transaction
from ..outbox import Outbox
from .log import Advance, AuditEntry, AuditLog, AuditRecord, CursorMoved, check_entry

TOPIC = "audit"
MAX_RACES = 50  # another drain advancing the cursor first is normal; this many in a row is not


class AuditOutbox:
    """The audit log's feed from one database: `put` inside a transaction, `drain` after commit."""

    def __init__(
        self,
        outbox: Outbox,
        log: AuditLog,
        *,
        source: str,
        on_record: Callable[[AuditRecord], None] | None = None,
    ) -> None:
        self.outbox, self.log, self.source = outbox, log, source
        self.on_record = on_record
        self._draining = threading.Lock()  # threads of one process take turns; processes race on the cursor

    def put(self, tx: Transaction, entry: AuditEntry, *, now: datetime) -> None:
        """Queue `entry`; it reaches the log only if `tx` commits. Bad content fails here, not in the drain."""
        check_entry(entry)
        self.outbox.put(tx, TOPIC, _payload(entry), key=entry.action, now=now)

    def drain(self, *, batch: int = 500) -> int:
        """Append every committed entry not yet in the log; returns how many this call appended."""
        with self._draining:
            return self._drain(batch)

    def _drain(self, batch: int) -> int:
        appended = races = 0
        while True:
            cursor = self.log.cursor(self.source)
            messages, after = self.outbox.read_after(TOPIC, cursor, limit=batch)
            if not messages:
                return appended
            entries = [AuditEntry(**message.payload) for message in messages]
            try:
                records = self.log.append_many(entries, advance=Advance(self.source, cursor, after))
            except CursorMoved:
                races += 1
                if races > MAX_RACES:
                    raise
                continue
            appended += len(records)
            self.outbox.prune(TOPIC, after)
            if self.on_record is not None:
                for record in records:
                    self.on_record(record)

    def backlog(self) -> int:
        """Committed entries not yet appended (0 after a drain with no writers)."""
        messages, _ = self.outbox.read_after(TOPIC, self.log.cursor(self.source), limit=1_000_000)
        return len(messages)


def _payload(entry: AuditEntry) -> dict[str, Any]:
    return {name: value for name, value in asdict(entry).items() if value not in ("", None)}
