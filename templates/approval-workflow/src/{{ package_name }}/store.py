"""SQLite proposal store: one `BEGIN IMMEDIATE` transaction per state change.

`BEGIN IMMEDIATE` takes the write lock before the state is read, so two approvers
or two retried executes cannot both see `approved` and both act. Each move also
checks the old state in its `WHERE` clause, as a second line of defence.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .platform.schema_migrations import Migration
from .platform.sqlite_db import SqliteDatabase
from .proposals import Proposal, State, StateConflict, can_move

SCHEMA = """
CREATE TABLE IF NOT EXISTS proposals (
    id TEXT PRIMARY KEY,
    proposed_by TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    action TEXT NOT NULL,
    params TEXT NOT NULL,
    context TEXT NOT NULL,
    rationale TEXT NOT NULL,
    rationale_supported INTEGER NOT NULL,
    prompt_version TEXT NOT NULL,
    risk TEXT NOT NULL,
    risk_reasons TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    decided_by TEXT,
    decision_note TEXT,
    executed_at TEXT,
    result TEXT,
    last_error TEXT,
    UNIQUE (proposed_by, idempotency_key)
);
CREATE INDEX IF NOT EXISTS proposals_by_state ON proposals (state, expires_at);
CREATE TABLE IF NOT EXISTS proposal_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    audit_seq INTEGER,
    note TEXT
);
"""
JSON_COLUMNS = ("params", "risk_reasons", "result")
DECISION_COLUMNS = frozenset({"decided_by", "decision_note", "executed_at", "result", "last_error"})


class DuplicateProposal(Exception):
    """Another request with the same (proposer, idempotency key) got there first."""


MIGRATIONS = (Migration(1, "proposals and their events, as of template 0.1.0", SCHEMA),)


class ProposalStore(SqliteDatabase):
    def __init__(self, path: Path, extra_schema: str = "") -> None:
        # extra_schema: the tables of the actions registered now (idempotent, run on every open)
        super().__init__(path, extra_schema, store="proposals", migrations=MIGRATIONS)

    def insert(self, conn: sqlite3.Connection, proposal: Proposal) -> None:
        row = asdict(proposal)
        for column in JSON_COLUMNS:
            row[column] = None if row[column] is None else json.dumps(row[column], sort_keys=True)
        row["rationale_supported"] = int(proposal.rationale_supported)
        row["state"] = str(proposal.state)
        columns, marks = ", ".join(row), ", ".join("?" * len(row))
        sql = f"INSERT INTO proposals ({columns}) VALUES ({marks})"  # noqa: S608 - columns are Proposal's fields
        try:
            conn.execute(sql, list(row.values()))
        except sqlite3.IntegrityError as error:
            raise DuplicateProposal(proposal.idempotency_key) from error

    def get(self, conn: sqlite3.Connection, proposal_id: str) -> Proposal | None:
        row = conn.execute("SELECT * FROM proposals WHERE id = ?", (proposal_id,)).fetchone()
        return _proposal(row) if row else None

    def find_by_key(self, proposed_by: str, idempotency_key: str) -> Proposal | None:
        with self.reading() as conn:
            row = conn.execute(
                "SELECT * FROM proposals WHERE proposed_by = ? AND idempotency_key = ?", (proposed_by, idempotency_key)
            ).fetchone()
        return _proposal(row) if row else None

    def recent(self, state: State | None = None, limit: int = 50) -> list[Proposal]:
        with self.reading() as conn:
            if state is None:
                rows = conn.execute("SELECT * FROM proposals ORDER BY created_at DESC, id LIMIT ?", (limit,))
            else:
                rows = conn.execute(
                    "SELECT * FROM proposals WHERE state = ? ORDER BY created_at DESC, id LIMIT ?", (str(state), limit)
                )
            return [_proposal(row) for row in rows]

    def due_for_expiry(self, now: str) -> list[str]:
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT id FROM proposals WHERE state = ? AND expires_at <= ?", (str(State.PENDING_REVIEW), now)
            )
            return [row["id"] for row in rows]

    def move(self, conn: sqlite3.Connection, proposal: Proposal, to_state: State, *, now: str, **fields: Any) -> None:
        """Change state (and the given columns) only if the proposal is still in the state we read."""
        if not can_move(proposal.state, to_state):
            raise StateConflict(f"proposal {proposal.id} cannot move from {proposal.state} to {to_state}")
        if not DECISION_COLUMNS.issuperset(fields):
            raise ValueError(
                f"move() may only set {sorted(DECISION_COLUMNS)}, not {sorted(set(fields) - DECISION_COLUMNS)}"
            )
        values = {key: json.dumps(value) if key in JSON_COLUMNS else value for key, value in fields.items()}
        assignments = "".join(f", {column} = ?" for column in values)
        sql = f"UPDATE proposals SET state = ?, updated_at = ?{assignments} WHERE id = ? AND state = ?"  # noqa: S608
        cursor = conn.execute(sql, [str(to_state), now, *values.values(), proposal.id, str(proposal.state)])
        if cursor.rowcount != 1:
            raise StateConflict(f"proposal {proposal.id} changed state concurrently; reload and retry")

    def set_error(self, conn: sqlite3.Connection, proposal_id: str, error: str, now: str) -> None:
        conn.execute("UPDATE proposals SET last_error = ?, updated_at = ? WHERE id = ?", (error, now, proposal_id))

    def add_event(
        self,
        conn: sqlite3.Connection,
        proposal_id: str,
        from_state: str,
        to_state: str,
        *,
        actor: str,
        at: str,
        audit_seq: int | None,
        note: str = "",
    ) -> None:
        conn.execute(
            "INSERT INTO proposal_events (proposal_id, from_state, to_state, actor, at, audit_seq, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (proposal_id, from_state, to_state, actor, at, audit_seq, note),
        )

    def events(self, proposal_id: str) -> list[dict[str, Any]]:
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM proposal_events WHERE proposal_id = ? ORDER BY seq", (proposal_id,))
            return [dict(row) for row in rows]


def _proposal(row: sqlite3.Row) -> Proposal:
    data = dict(row)
    for column in JSON_COLUMNS:
        data[column] = None if data[column] is None else json.loads(data[column])
    data["rationale_supported"] = bool(data["rationale_supported"])
    data["state"] = State(data["state"])
    return Proposal(**data)
