"""The evidence ledger: source versions, briefs, drafts, claims, evidence and the event trail.

It lives on the platform database: a SQLite file by default, PostgreSQL when `DATABASE_URL`
is one (schema `COPILOT_DB_SCHEMA`), so every replica reads and appends to one ledger.
Append-only: triggers refuse every UPDATE and DELETE on these tables (and TRUNCATE on
PostgreSQL), so a draft's history (who drafted, who edited which claim to what, when, and
every verification result) can only grow. A draft's current state is its rows plus the review
events on top of them. Each event carries the sequence number of its audit-log record, which
links the two trails.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .platform.database import Database, Row, Transaction, postgres_ddl
from .platform.schema_migrations import Migration, sqlite_statements
from .records import Brief, Claim, Draft, Evidence, LedgerEvent, Requirement, SourceVersion

APPEND_ONLY = ("source_versions", "briefs", "requirements", "drafts", "claims", "evidence", "events")
SCHEMA = """
CREATE TABLE IF NOT EXISTS source_versions (
    row INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    classification TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, version)
);
CREATE TABLE IF NOT EXISTS briefs (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requirements (
    brief_id TEXT NOT NULL REFERENCES briefs (id),
    position INTEGER NOT NULL,
    id TEXT NOT NULL,
    text TEXT NOT NULL,
    section TEXT NOT NULL,
    owner TEXT NOT NULL,
    PRIMARY KEY (brief_id, id)
);
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    brief_id TEXT NOT NULL REFERENCES briefs (id),
    title TEXT NOT NULL,
    model_outputs TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    min_evidence_per_claim INTEGER NOT NULL,
    on_unsupported TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    cost_usd REAL NOT NULL,
    latency_s REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    row INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    id TEXT NOT NULL,
    requirement_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    cited_sources TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('supported', 'unsupported')),
    reasons TEXT NOT NULL,
    UNIQUE (draft_id, id)
);
CREATE TABLE IF NOT EXISTS evidence (
    row INTEGER PRIMARY KEY,
    claim_row INTEGER NOT NULL REFERENCES claims (row),
    source_id TEXT NOT NULL,
    version TEXT NOT NULL,
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    quote TEXT NOT NULL,
    coverage REAL NOT NULL,
    cited INTEGER NOT NULL,
    CHECK (start_offset < end_offset),
    FOREIGN KEY (source_id, version) REFERENCES source_versions (id, version)
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('created', 'review', 'verification', 'export')),
    claim_id TEXT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    details TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_draft ON events (draft_id, seq);
CREATE TABLE IF NOT EXISTS review_sessions (
    token_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
"""
SQLITE_APPEND_ONLY = "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'evidence ledger is append-only: {table} rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'evidence ledger is append-only: {table} rows cannot be deleted'); END;"""
    for table in APPEND_ONLY
)
# The same refusal on PostgreSQL, as an integrity violation (a ConstraintError on both engines).
POSTGRES_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'evidence ledger is append-only: % rows cannot be %', TG_TABLE_NAME,
        CASE TG_OP WHEN 'UPDATE' THEN 'changed' ELSE 'deleted' END
        USING ERRCODE = 'integrity_constraint_violation';
END $$;""" + "".join(
    f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION evidence_append_only();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only();"""
    for table in APPEND_ONLY
)
DRAFT_COLUMNS = (
    "id, brief_id, title, model_outputs, prompt_version, model, policy_version, min_evidence_per_claim,"
    " on_unsupported, created_by, created_at, cost_usd, latency_s"
)


# Template 0.1.0's tables (version 1, so a database made before versioning is adopted as it is).
SCHEMA_0_1 = """
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS drafts (
    id TEXT PRIMARY KEY,
    instruction TEXT NOT NULL,
    status TEXT NOT NULL,
    text TEXT NOT NULL,
    model_output TEXT NOT NULL,
    source_ids TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    model TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    min_evidence_per_claim INTEGER NOT NULL,
    on_unsupported TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    id INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL REFERENCES drafts (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    cited_sources TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('supported', 'unsupported')),
    UNIQUE (draft_id, position)
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    claim_id INTEGER NOT NULL REFERENCES claims (id),
    source_id TEXT NOT NULL REFERENCES sources (id),
    start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL,
    quote TEXT NOT NULL,
    coverage REAL NOT NULL,
    cited INTEGER NOT NULL,
    CHECK (start_offset < end_offset)
);
"""


def _create_tables(tx: Transaction) -> None:
    """The current tables and their append-only triggers, in the transaction's dialect."""
    if tx.dialect == "postgres":
        tx.conn.execute(postgres_ddl(SCHEMA) + POSTGRES_APPEND_ONLY)
        return
    for statement in sqlite_statements(SCHEMA + SQLITE_APPEND_ONLY):
        tx.conn.execute(statement)


def _columns(tx: Transaction, table: str) -> set[str]:
    if tx.dialect == "postgres":
        rows = tx.all(
            "SELECT column_name AS name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
    else:
        rows = tx.all(f"PRAGMA table_info({table})")
    return {row["name"] for row in rows}


def _from_0_1(tx: Transaction) -> None:
    """Template 0.1.0's ledger (one free-text instruction per draft, immutable sources) to briefs and versions.

    Each source becomes its first version; each old draft becomes a brief with one requirement (`R1`,
    the instruction) and a draft of it whose claims keep their text, status and evidence spans. A
    database that 0.2.0 created already has the new tables (its version 1 was them) and is left as is;
    a new one (version 1's tables, empty: every PostgreSQL ledger) just gets the new tables.
    """
    if "instruction" not in _columns(tx, "drafts"):
        _create_tables(tx)
        return
    if not tx.one("SELECT id FROM drafts LIMIT 1") and not tx.one("SELECT id FROM sources LIMIT 1"):
        for table in ("evidence", "claims", "drafts", "sources"):
            tx.execute(f"DROP TABLE {table}")  # noqa: S608 - fixed table names
        _create_tables(tx)
        return
    for table in ("evidence", "claims", "drafts", "sources"):
        tx.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")  # noqa: S608 - fixed table names
    _create_tables(tx)
    tx.execute(
        "INSERT INTO source_versions (id, version, title, text, classification, registered_by, created_at)"
        " SELECT id, sha256, title, text, 'internal', registered_by, created_at FROM sources_v1 ORDER BY created_at, id"
    )
    versions = {row["id"]: row["sha256"] for row in tx.all("SELECT id, sha256 FROM sources_v1")}
    for draft in tx.all("SELECT * FROM drafts_v1 ORDER BY created_at, id"):
        brief_id, title = f"brief_{draft['id']}", draft["instruction"][:200]
        tx.execute(
            "INSERT INTO briefs (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (brief_id, title, draft["created_by"], draft["created_at"]),
        )
        tx.execute(
            "INSERT INTO requirements (brief_id, position, id, text, section, owner) VALUES (?, 0, 'R1', ?, '', '')",
            (brief_id, draft["instruction"]),
        )
        tx.execute(
            f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.0, 0.0)",  # noqa: S608
            (
                draft["id"], brief_id, title, json.dumps({"R1": draft["model_output"]}), draft["prompt_version"],
                draft["model"], draft["policy_version"], draft["min_evidence_per_claim"], draft["on_unsupported"],
                draft["created_by"], draft["created_at"],
            ),
        )  # fmt: skip
        for claim in tx.all("SELECT * FROM claims_v1 WHERE draft_id = ? ORDER BY position", (draft["id"],)):
            row = tx.scalar(
                "INSERT INTO claims (draft_id, id, requirement_id, position, text, cited_sources, status, reasons)"
                " VALUES (?, ?, 'R1', ?, ?, ?, ?, '[]') RETURNING row",
                (draft["id"], f"R1.{claim['position'] + 1}", claim["position"], claim["text"],
                 claim["cited_sources"], claim["status"]),
            )  # fmt: skip
            for ev in tx.all("SELECT * FROM evidence_v1 WHERE claim_id = ? ORDER BY id", (claim["id"],)):
                tx.execute(
                    "INSERT INTO evidence (claim_row, source_id, version, start_offset, end_offset, quote, coverage,"
                    " cited) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (row, ev["source_id"], versions.get(ev["source_id"], ""), ev["start_offset"], ev["end_offset"],
                     ev["quote"], ev["coverage"], ev["cited"]),
                )  # fmt: skip
        details = json.dumps({"migrated_from": "template 0.1.0"})
        tx.execute(
            "INSERT INTO events (draft_id, version, kind, claim_id, action, actor, at, details, audit_seq)"
            " VALUES (?, 1, 'created', '', 'draft', ?, ?, ?, 0)",
            (draft["id"], draft["created_by"], draft["created_at"], details),
        )
    for table in ("evidence_v1", "claims_v1", "drafts_v1", "sources_v1"):
        tx.execute(f"DROP TABLE {table}")  # noqa: S608 - fixed table names


MIGRATIONS = (
    Migration(1, "sources, drafts, claims and evidence, as of template 0.1.0", SCHEMA_0_1),
    Migration(2, "briefs, requirements, source versions, review and verification events, append-only", apply=_from_0_1),
)


class EvidenceLedger:
    """The ledger's records on `db`; `transaction()` appends (one writer per draft or source at a time),
    `reading()` reads one consistent view."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.migrate("evidence", MIGRATIONS)

    @contextmanager
    def transaction(self, *locks: str) -> Iterator[Transaction]:
        """A write transaction holding `locks` (e.g. `draft:<id>`): on SQLite the write lock already
        serialises every writer; on PostgreSQL two replicas appending to one draft take turns."""
        with self.db.transaction() as tx:
            for key in sorted(locks):
                tx.lock(f"evidence:{key}")
            yield tx

    def reading(self) -> Any:
        return self.db.reading()

    def close(self) -> None:
        self.db.close()

    # --- library documents, as cited -------------------------------------------------------------
    def add_source_version(self, tx: Transaction, source: SourceVersion) -> None:
        tx.execute(
            "INSERT INTO source_versions (id, version, title, text, classification, registered_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                source.id,
                source.version,
                source.title,
                source.text,
                source.classification,
                source.registered_by,
                source.created_at,
            ),
        )

    def source_version(self, tx: Transaction, source_id: str, version: str | None = None) -> SourceVersion | None:
        """That version, or the newest one when `version` is None."""
        if version is None:
            row = tx.one("SELECT * FROM source_versions WHERE id = ? ORDER BY row DESC LIMIT 1", (source_id,))
        else:
            row = tx.one("SELECT * FROM source_versions WHERE id = ? AND version = ?", (source_id, version))
        return _source(row) if row else None

    def current_sources(self, tx: Transaction | None = None) -> list[SourceVersion]:
        """The newest version of every source, by id."""
        query = (
            "SELECT s.* FROM source_versions s JOIN (SELECT id, MAX(row) AS row FROM source_versions GROUP BY id) n"
            " ON s.row = n.row ORDER BY s.id"
        )
        if tx is not None:
            return [_source(row) for row in tx.all(query)]
        with self.reading() as reader:
            return [_source(row) for row in reader.all(query)]

    def current_versions(self, tx: Transaction, ids: set[str]) -> dict[str, str]:
        marks = ",".join("?" * len(ids))
        rows = tx.all(
            f"SELECT id, version FROM source_versions WHERE row IN"  # noqa: S608
            f" (SELECT MAX(row) FROM source_versions WHERE id IN ({marks}) GROUP BY id)",
            sorted(ids),
        )
        return {row["id"]: row["version"] for row in rows}

    # --- briefs ----------------------------------------------------------------------------------------
    def add_brief(self, tx: Transaction, brief: Brief) -> None:
        tx.execute(
            "INSERT INTO briefs (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (brief.id, brief.title, brief.created_by, brief.created_at),
        )
        for n, r in enumerate(brief.requirements):
            tx.execute(
                "INSERT INTO requirements (brief_id, position, id, text, section, owner) VALUES (?, ?, ?, ?, ?, ?)",
                (brief.id, n, r.id, r.text, r.section, r.owner),
            )

    def brief(self, tx: Transaction, brief_id: str) -> Brief | None:
        row = tx.one("SELECT * FROM briefs WHERE id = ?", (brief_id,))
        if row is None:
            return None
        requirements = [
            Requirement(r["id"], r["text"], r["section"], r["owner"])
            for r in tx.all("SELECT * FROM requirements WHERE brief_id = ? ORDER BY position", (brief_id,))
        ]
        return Brief(row["id"], row["title"], requirements, row["created_by"], row["created_at"])

    # --- drafts -----------------------------------------------------------------------------------------
    def add_draft(self, tx: Transaction, draft: Draft, *, model_outputs: dict[str, str]) -> None:
        """The draft as created, with what the model wrote per requirement (kept for the trail, not served)."""
        tx.execute(
            f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                draft.id,
                draft.brief_id,
                draft.title,
                json.dumps(model_outputs),
                draft.prompt_version,
                draft.model,
                draft.policy_version,
                draft.min_evidence_per_claim,
                draft.on_unsupported,
                draft.created_by,
                draft.created_at,
                draft.cost_usd,
                draft.latency_s,
            ),
        )
        for claim in draft.claims:
            claim_row = tx.scalar(
                "INSERT INTO claims (draft_id, id, requirement_id, position, text, cited_sources, status, reasons)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING row",
                (
                    draft.id,
                    claim.id,
                    claim.requirement_id,
                    claim.position,
                    claim.text,
                    json.dumps(claim.cited_sources),
                    "supported" if claim.status == "supported" else "unsupported",
                    json.dumps(claim.reasons),
                ),
            )
            for ev in claim.evidence:
                tx.execute(
                    "INSERT INTO evidence (claim_row, source_id, version, start_offset, end_offset, quote, coverage,"
                    " cited) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (claim_row, ev.source_id, ev.version, ev.start, ev.end, ev.quote, ev.coverage, int(ev.cited)),
                )

    def draft_rows(self, draft_id: str) -> tuple[dict, list[Claim]] | None:
        """The draft as created (before review events): its row and its claims with evidence."""
        with self.reading() as tx:
            row = tx.one(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,))  # noqa: S608
            if row is None:
                return None
            claims = []
            for claim in tx.all("SELECT * FROM claims WHERE draft_id = ? ORDER BY row", (draft_id,)):
                rows = tx.all("SELECT * FROM evidence WHERE claim_row = ? ORDER BY row", (claim["row"],))
                claims.append(
                    Claim(
                        id=claim["id"],
                        requirement_id=claim["requirement_id"],
                        position=claim["position"],
                        text=claim["text"],
                        cited_sources=json.loads(claim["cited_sources"]),
                        status=claim["status"],
                        reasons=json.loads(claim["reasons"]),
                        evidence=[_evidence(ev) for ev in rows],
                    )
                )
        data = dict(row)
        data["model_outputs"] = json.loads(data["model_outputs"])
        return data, claims

    def draft_ids(self, limit: int = 100) -> list[tuple[str, str, str]]:
        with self.reading() as tx:
            rows = tx.all("SELECT id, title, created_at FROM drafts ORDER BY created_at DESC, id LIMIT ?", (limit,))
        return [(row["id"], row["title"], row["created_at"]) for row in rows]

    # --- events -----------------------------------------------------------------------------------------
    def add_event(self, tx: Transaction, event: LedgerEvent) -> LedgerEvent:
        seq = tx.scalar(
            "INSERT INTO events (draft_id, version, kind, claim_id, action, actor, at, details, audit_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
            (
                event.draft_id,
                event.version,
                event.kind,
                event.claim_id,
                event.action,
                event.actor,
                event.at,
                json.dumps(event.details, sort_keys=True),
                event.audit_seq,
            ),
        )
        return LedgerEvent(**{**event.__dict__, "seq": int(seq or 0)})

    def events(self, draft_id: str, tx: Transaction | None = None) -> list[LedgerEvent]:
        def read(reader: Transaction) -> list[LedgerEvent]:
            rows = reader.all("SELECT * FROM events WHERE draft_id = ? ORDER BY seq", (draft_id,))
            return [LedgerEvent(**{**dict(row), "details": json.loads(row["details"])}) for row in rows]

        if tx is not None:
            return read(tx)
        with self.reading() as reader:
            return read(reader)


def _source(row: Row) -> SourceVersion:
    data = dict(row)
    data.pop("row", None)
    return SourceVersion(**data)


def _evidence(row: Row) -> Evidence:
    return Evidence(
        source_id=row["source_id"],
        version=row["version"],
        start=row["start_offset"],
        end=row["end_offset"],
        quote=row["quote"],
        coverage=row["coverage"],
        cited=bool(row["cited"]),
    )
