"""The evidence ledger (SQLite): source versions, briefs, drafts, claims, evidence and the event trail.

Append-only: triggers refuse every UPDATE and DELETE on these tables, so a draft's history
(who drafted, who edited which claim to what, when, and every verification result) can only
grow. A draft's current state is its rows plus the review events on top of them. Each event
carries the sequence number of its audit-log record, which links the two trails.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .platform.schema_migrations import Migration, sqlite_statements
from .platform.sqlite_db import SqliteDatabase
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
""" + "".join(
    f"""
CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'evidence ledger is append-only: {table} rows cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'evidence ledger is append-only: {table} rows cannot be deleted'); END;"""
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


def _from_0_1(conn: sqlite3.Connection) -> None:
    """Template 0.1.0's ledger (one free-text instruction per draft, immutable sources) to briefs and versions.

    Each source becomes its first version; each old draft becomes a brief with one requirement (`R1`,
    the instruction) and a draft of it whose claims keep their text, status and evidence spans. A
    database that 0.2.0 created already has the new tables (its version 1 was them) and is left as is.
    """
    if "instruction" not in {row[1] for row in conn.execute("PRAGMA table_info(drafts)")}:
        for statement in sqlite_statements(SCHEMA):
            conn.execute(statement)
        return
    for table in ("evidence", "claims", "drafts", "sources"):
        conn.execute(f"ALTER TABLE {table} RENAME TO {table}_v1")  # noqa: S608 - fixed table names
    for statement in sqlite_statements(SCHEMA):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO source_versions (id, version, title, text, classification, registered_by, created_at)"
        " SELECT id, sha256, title, text, 'internal', registered_by, created_at FROM sources_v1 ORDER BY created_at, id"
    )
    versions = dict(conn.execute("SELECT id, sha256 FROM sources_v1").fetchall())
    for draft in conn.execute("SELECT * FROM drafts_v1 ORDER BY created_at, id").fetchall():
        brief_id, title = f"brief_{draft['id']}", draft["instruction"][:200]
        conn.execute(
            "INSERT INTO briefs (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (brief_id, title, draft["created_by"], draft["created_at"]),
        )
        conn.execute(
            "INSERT INTO requirements (brief_id, position, id, text, section, owner) VALUES (?, 0, 'R1', ?, '', '')",
            (brief_id, draft["instruction"]),
        )
        conn.execute(
            f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.0, 0.0)",  # noqa: S608
            (
                draft["id"], brief_id, title, json.dumps({"R1": draft["model_output"]}), draft["prompt_version"],
                draft["model"], draft["policy_version"], draft["min_evidence_per_claim"], draft["on_unsupported"],
                draft["created_by"], draft["created_at"],
            ),
        )  # fmt: skip
        claims = conn.execute("SELECT * FROM claims_v1 WHERE draft_id = ? ORDER BY position", (draft["id"],))
        for claim in claims.fetchall():
            row = conn.execute(
                "INSERT INTO claims (draft_id, id, requirement_id, position, text, cited_sources, status, reasons)"
                " VALUES (?, ?, 'R1', ?, ?, ?, ?, '[]')",
                (draft["id"], f"R1.{claim['position'] + 1}", claim["position"], claim["text"],
                 claim["cited_sources"], claim["status"]),
            ).lastrowid  # fmt: skip
            for ev in conn.execute(
                "SELECT * FROM evidence_v1 WHERE claim_id = ? ORDER BY id", (claim["id"],)
            ).fetchall():
                conn.execute(
                    "INSERT INTO evidence (claim_row, source_id, version, start_offset, end_offset, quote, coverage,"
                    " cited) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (row, ev["source_id"], versions.get(ev["source_id"], ""), ev["start_offset"], ev["end_offset"],
                     ev["quote"], ev["coverage"], ev["cited"]),
                )  # fmt: skip
        details = json.dumps({"migrated_from": "template 0.1.0"})
        conn.execute(
            "INSERT INTO events (draft_id, version, kind, claim_id, action, actor, at, details, audit_seq)"
            " VALUES (?, 1, 'created', '', 'draft', ?, ?, ?, 0)",
            (draft["id"], draft["created_by"], draft["created_at"], details),
        )
    for table in ("evidence_v1", "claims_v1", "drafts_v1", "sources_v1"):
        conn.execute(f"DROP TABLE {table}")  # noqa: S608 - fixed table names


MIGRATIONS = (
    Migration(1, "sources, drafts, claims and evidence, as of template 0.1.0", SCHEMA_0_1),
    Migration(2, "briefs, requirements, source versions, review and verification events, append-only", apply=_from_0_1),
)


class EvidenceLedger(SqliteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, store="evidence", migrations=MIGRATIONS)

    # --- library documents, as cited -------------------------------------------------------------
    def add_source_version(self, conn: sqlite3.Connection, source: SourceVersion) -> None:
        conn.execute(
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

    def source_version(
        self, conn: sqlite3.Connection, source_id: str, version: str | None = None
    ) -> SourceVersion | None:
        """That version, or the newest one when `version` is None."""
        if version is None:
            row = conn.execute(
                "SELECT * FROM source_versions WHERE id = ? ORDER BY row DESC LIMIT 1", (source_id,)
            ).fetchone()
        else:
            row = conn.execute(
                "SELECT * FROM source_versions WHERE id = ? AND version = ?", (source_id, version)
            ).fetchone()
        return _source(row) if row else None

    def current_sources(self, conn: sqlite3.Connection | None = None) -> list[SourceVersion]:
        """The newest version of every source, by id."""
        query = (
            "SELECT s.* FROM source_versions s JOIN (SELECT id, MAX(row) AS row FROM source_versions GROUP BY id) n"
            " ON s.row = n.row ORDER BY s.id"
        )
        if conn is not None:
            return [_source(row) for row in conn.execute(query)]
        with self.reading() as reader:
            return [_source(row) for row in reader.execute(query)]

    def current_versions(self, conn: sqlite3.Connection, ids: set[str]) -> dict[str, str]:
        marks = ",".join("?" * len(ids))
        rows = conn.execute(
            f"SELECT id, version FROM source_versions WHERE row IN"  # noqa: S608
            f" (SELECT MAX(row) FROM source_versions WHERE id IN ({marks}) GROUP BY id)",
            sorted(ids),
        )
        return {row["id"]: row["version"] for row in rows}

    # --- briefs ----------------------------------------------------------------------------------------
    def add_brief(self, conn: sqlite3.Connection, brief: Brief) -> None:
        conn.execute(
            "INSERT INTO briefs (id, title, created_by, created_at) VALUES (?, ?, ?, ?)",
            (brief.id, brief.title, brief.created_by, brief.created_at),
        )
        conn.executemany(
            "INSERT INTO requirements (brief_id, position, id, text, section, owner) VALUES (?, ?, ?, ?, ?, ?)",
            [(brief.id, n, r.id, r.text, r.section, r.owner) for n, r in enumerate(brief.requirements)],
        )

    def brief(self, conn: sqlite3.Connection, brief_id: str) -> Brief | None:
        row = conn.execute("SELECT * FROM briefs WHERE id = ?", (brief_id,)).fetchone()
        if row is None:
            return None
        requirements = [
            Requirement(r["id"], r["text"], r["section"], r["owner"])
            for r in conn.execute("SELECT * FROM requirements WHERE brief_id = ? ORDER BY position", (brief_id,))
        ]
        return Brief(row["id"], row["title"], requirements, row["created_by"], row["created_at"])

    # --- drafts -----------------------------------------------------------------------------------------
    def add_draft(self, conn: sqlite3.Connection, draft: Draft, *, model_outputs: dict[str, str]) -> None:
        """The draft as created, with what the model wrote per requirement (kept for the trail, not served)."""
        conn.execute(
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
            cursor = conn.execute(
                "INSERT INTO claims (draft_id, id, requirement_id, position, text, cited_sources, status, reasons)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            conn.executemany(
                "INSERT INTO evidence (claim_row, source_id, version, start_offset, end_offset, quote, coverage, cited)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (cursor.lastrowid, ev.source_id, ev.version, ev.start, ev.end, ev.quote, ev.coverage, int(ev.cited))
                    for ev in claim.evidence
                ],
            )

    def draft_rows(self, draft_id: str) -> tuple[dict, list[Claim]] | None:
        """The draft as created (before review events): its row and its claims with evidence."""
        with self.reading() as conn:
            row = conn.execute(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,)).fetchone()  # noqa: S608
            if row is None:
                return None
            claims = []
            for claim in conn.execute("SELECT * FROM claims WHERE draft_id = ? ORDER BY row", (draft_id,)):
                rows = conn.execute("SELECT * FROM evidence WHERE claim_row = ? ORDER BY row", (claim["row"],))
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
        with self.reading() as conn:
            rows = conn.execute(
                "SELECT id, title, created_at FROM drafts ORDER BY created_at DESC, id LIMIT ?", (limit,)
            ).fetchall()
        return [(row["id"], row["title"], row["created_at"]) for row in rows]

    # --- events -----------------------------------------------------------------------------------------
    def add_event(self, conn: sqlite3.Connection, event: LedgerEvent) -> LedgerEvent:
        cursor = conn.execute(
            "INSERT INTO events (draft_id, version, kind, claim_id, action, actor, at, details, audit_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        return LedgerEvent(**{**event.__dict__, "seq": int(cursor.lastrowid or 0)})

    def events(self, draft_id: str, conn: sqlite3.Connection | None = None) -> list[LedgerEvent]:
        def read(reader: sqlite3.Connection) -> list[LedgerEvent]:
            rows = reader.execute("SELECT * FROM events WHERE draft_id = ? ORDER BY seq", (draft_id,))
            return [LedgerEvent(**{**dict(row), "details": json.loads(row["details"])}) for row in rows]

        if conn is not None:
            return read(conn)
        with self.reading() as reader:
            return read(reader)


def _source(row: sqlite3.Row) -> SourceVersion:
    data = dict(row)
    data.pop("row", None)
    return SourceVersion(**data)


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        source_id=row["source_id"],
        version=row["version"],
        start=row["start_offset"],
        end=row["end_offset"],
        quote=row["quote"],
        coverage=row["coverage"],
        cited=bool(row["cited"]),
    )
