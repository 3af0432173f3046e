"""Proposal tables on the platform database (SQLite by default, PostgreSQL by URL).

Every state change is one transaction that reads the proposal with `FOR UPDATE` (PostgreSQL;
SQLite's `BEGIN IMMEDIATE` already holds the write lock) and moves it with the old state in
its `WHERE` clause, so two approvers, two workers or a worker and a retried request can never
both act on the same state.
"""

# ruff: noqa: S608 - SQL is assembled from the column names below; values are always bound

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from .platform.database import Database, Transaction
from .platform.errors import ConstraintError
from .platform.identity import canonical_identity
from .platform.schema_migrations import Migration
from .proposals import FINAL, Approval, Proposal, State, StateConflict

# Version 1: the tables as of template 0.1.0 (kept verbatim: databases made then are adopted as they are).
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
# Version 2: who requested, the proposer's evidence and confidence, the risk score, four-eyes approvals
# per revision, SLA escalation, execution attempts; events carry the id their audit record names.
FOUR_EYES = """
ALTER TABLE proposals ADD COLUMN requested_by TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN request_text TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE proposals ADD COLUMN amount_base REAL NOT NULL DEFAULT 0;
ALTER TABLE proposals ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
ALTER TABLE proposals ADD COLUMN confidence REAL NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN proposer TEXT NOT NULL DEFAULT 'caller';
ALTER TABLE proposals ADD COLUMN risk_score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE proposals ADD COLUMN approvals_required INTEGER NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN review_due_at TEXT;
ALTER TABLE proposals ADD COLUMN escalated_to TEXT;
ALTER TABLE proposals ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS proposals_by_subject ON proposals (subject, created_at);
CREATE TABLE IF NOT EXISTS proposal_approvals (
    proposal_id TEXT NOT NULL REFERENCES proposals (id),
    revision INTEGER NOT NULL,
    approver TEXT NOT NULL,
    approver_key TEXT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (proposal_id, revision, approver_key)
);
ALTER TABLE proposal_events ADD COLUMN event_id TEXT;
ALTER TABLE proposal_events ADD COLUMN action TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX IF NOT EXISTS proposal_events_by_id ON proposal_events (event_id);
CREATE INDEX IF NOT EXISTS proposal_events_by_proposal ON proposal_events (proposal_id, seq);
"""
EVENT_ACTIONS = {"pending_review": "create", "auto_approved": "create", "approved": "approve", "rejected": "reject",
                 "expired": "expire", "executed": "execute", "rolled_back": "rollback"}  # fmt: skip


def _adopt_earlier_rows(tx: Transaction) -> None:
    """Rows written before version 2: the proposer requested them, one approval decided them, events get ids."""
    tx.execute("UPDATE proposals SET requested_by = proposed_by WHERE requested_by = ''")
    for row in tx.all("SELECT id, action, params, decided_by, decision_note, updated_at, state FROM proposals"):
        params = json.loads(row["params"])
        if row["action"] == "refund_order" and "order_id" in params:
            tx.execute(
                "UPDATE proposals SET subject = ?, amount_base = ? WHERE id = ?",
                (f"refund_order:{params['order_id']}", float(params.get("amount", 0)), row["id"]),
            )
        if row["decided_by"] and row["state"] in ("approved", "executed", "rolled_back"):
            tx.execute(
                "INSERT INTO proposal_approvals (proposal_id, revision, approver, approver_key, at, note)"
                " VALUES (?, 1, ?, ?, ?, ?)",
                (row["id"], row["decided_by"], canonical_identity(row["decided_by"]), row["updated_at"],
                 row["decision_note"] or ""),
            )  # fmt: skip
    for row in tx.all("SELECT seq, to_state FROM proposal_events WHERE event_id IS NULL"):
        tx.execute(
            "UPDATE proposal_events SET event_id = ?, action = ?, note = COALESCE(note, '') WHERE seq = ?",
            (f"evt_v1_{row['seq']}", EVENT_ACTIONS.get(row["to_state"], "move"), row["seq"]),
        )


MIGRATIONS = (
    Migration(1, "proposals and their events, as of template 0.1.0", SCHEMA),
    Migration(
        2, "requesters, evidence, risk scores, four-eyes approvals, SLA and attempts", FOUR_EYES, _adopt_earlier_rows
    ),
)
JSON_COLUMNS = ("params", "evidence", "risk_reasons", "result")
COLUMNS = tuple(f.name for f in fields(Proposal) if f.name != "approvals")
# Columns a move may change besides state and updated_at (the proposal's facts never change).
MUTABLE = frozenset(
    {"decided_by", "decision_note", "executed_at", "result", "last_error", "attempts", "expires_at"}
    | {"review_due_at", "escalated_to", "revision", "approvals_required", "risk", "risk_score", "risk_reasons"}
    | {"params", "context", "rationale", "rationale_supported", "evidence", "confidence", "amount_base"}
    | {"policy_version", "request_text", "prompt_version"}
)
# States whose amounts count towards a subject's cumulative limit.
COUNTED = tuple(str(state) for state in State if state not in FINAL | {State.FAILED})


class DuplicateProposal(Exception):
    """Another request with the same (proposer, idempotency key) got there first."""


class ProposalStore:
    def __init__(self, db: Database, extra_schema: str = "") -> None:
        self.db = db
        db.migrate("proposals", MIGRATIONS)
        if extra_schema:  # the tables of the actions registered now (idempotent, run on every open)
            db.ensure(extra_schema)

    def transaction(self) -> Any:
        return self.db.transaction()

    def reading(self) -> Any:
        return self.db.reading()

    def insert(self, tx: Transaction, proposal: Proposal) -> None:
        row = _row(asdict(proposal))
        del row["approvals"]
        sql = f"INSERT INTO proposals ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
        try:
            with tx.savepoint("insert_proposal"):
                tx.execute(sql, list(row.values()))
        except ConstraintError as error:
            raise DuplicateProposal(proposal.idempotency_key) from error

    def get(self, tx: Transaction, proposal_id: str, *, lock: bool = False) -> Proposal | None:
        """The proposal with its current revision's approvals; `lock` holds its row until commit."""
        row = tx.one(f"SELECT * FROM proposals WHERE id = ?{tx.for_update if lock else ''}", (proposal_id,))
        if row is None:
            return None
        approvals = tx.all(
            "SELECT approver, at, note FROM proposal_approvals WHERE proposal_id = ? AND revision = ? ORDER BY at",
            (proposal_id, row["revision"]),
        )
        return _proposal(row, [Approval(a["approver"], a["at"], a["note"]) for a in approvals])

    def find_by_key(self, proposed_by: str, idempotency_key: str) -> Proposal | None:
        with self.reading() as tx:
            row = tx.one(
                "SELECT id FROM proposals WHERE proposed_by = ? AND idempotency_key = ?", (proposed_by, idempotency_key)
            )
            return None if row is None else self.get(tx, row["id"])

    def search(
        self,
        *,
        states: list[State] | None = None,
        risk: str | None = None,
        action: str | None = None,
        escalated: bool | None = None,
        limit: int = 50,
    ) -> list[Proposal]:
        """Newest first, filtered."""
        where, params = ["1 = 1"], []
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(str(state) for state in states)
        if risk:
            where.append("risk = ?")
            params.append(risk)
        if action:
            where.append("action = ?")
            params.append(action)
        if escalated is not None:
            where.append("escalated_to IS NOT NULL" if escalated else "escalated_to IS NULL")
        sql = f"SELECT id FROM proposals WHERE {' AND '.join(where)} ORDER BY created_at DESC, id LIMIT ?"
        with self.reading() as tx:
            ids = [row["id"] for row in tx.all(sql, (*params, limit))]
            return [proposal for pid in ids if (proposal := self.get(tx, pid)) is not None]

    def ids_where(self, condition: str, params: tuple[Any, ...]) -> list[str]:
        with self.reading() as tx:
            return [row["id"] for row in tx.all(f"SELECT id FROM proposals WHERE {condition} ORDER BY id", params)]

    def cumulative(self, tx: Transaction, subject: str, since: str, *, exclude: str = "") -> float:
        """Base-currency total of the subject's counted proposals created since `since`."""
        marks = ", ".join("?" * len(COUNTED))
        total = tx.scalar(
            f"SELECT COALESCE(SUM(amount_base), 0) AS total FROM proposals WHERE subject = ? AND created_at >= ?"
            f" AND id <> ? AND state IN ({marks})",
            (subject, since, exclude, *COUNTED),
        )
        return round(float(total or 0), 2)

    def move(self, tx: Transaction, proposal: Proposal, to_state: State, *, now: str, **changes: Any) -> None:
        """Change state (and the given columns) only if the proposal is still in the state we read."""
        if not MUTABLE.issuperset(changes):
            raise ValueError(f"move() may only set {sorted(MUTABLE)}, not {sorted(set(changes) - MUTABLE)}")
        values = _row(changes)
        assignments = "".join(f", {column} = ?" for column in values)
        cursor = tx.execute(
            f"UPDATE proposals SET state = ?, updated_at = ?{assignments} WHERE id = ? AND state = ? AND revision = ?",
            [str(to_state), now, *values.values(), proposal.id, str(proposal.state), proposal.revision],
        )
        if cursor.rowcount != 1:
            raise StateConflict(f"proposal {proposal.id} changed concurrently; reload and retry")

    def add_approval(self, tx: Transaction, proposal: Proposal, approver: str, key: str, at: str, note: str) -> None:
        tx.execute(
            "INSERT INTO proposal_approvals (proposal_id, revision, approver, approver_key, at, note)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (proposal.id, proposal.revision, approver, key, at, note),
        )

    def add_event(
        self, tx: Transaction, event_id: str, proposal_id: str, action: str, from_state: str, to_state: str,
        *, actor: str, at: str, note: str = "",
    ) -> None:  # fmt: skip
        tx.execute(
            "INSERT INTO proposal_events (event_id, proposal_id, action, from_state, to_state, actor, at, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event_id, proposal_id, action, str(from_state), str(to_state), actor, at, note),
        )

    def events(self, proposal_id: str) -> list[dict[str, Any]]:
        with self.reading() as tx:
            rows = tx.all(
                "SELECT event_id, action, from_state, to_state, actor, at, note FROM proposal_events"
                " WHERE proposal_id = ? ORDER BY seq",
                (proposal_id,),
            )
            return [dict(row) for row in rows]


def _row(values: dict[str, Any]) -> dict[str, Any]:
    row = dict(values)
    for column in JSON_COLUMNS:
        if column in row:
            row[column] = None if row[column] is None else json.dumps(row[column], sort_keys=True)
    if "rationale_supported" in row:
        row["rationale_supported"] = int(row["rationale_supported"])
    if "state" in row:
        row["state"] = str(row["state"])
    return row


def _proposal(row: Any, approvals: list[Approval]) -> Proposal:
    data = {column: row[column] for column in COLUMNS}
    for column in JSON_COLUMNS:
        data[column] = None if data[column] is None else json.loads(data[column])
    data["rationale_supported"] = bool(data["rationale_supported"])
    data["state"] = State(data["state"])
    data["amount_base"] = float(data["amount_base"])
    data["confidence"] = float(data["confidence"])
    return Proposal(**data, approvals=approvals)
