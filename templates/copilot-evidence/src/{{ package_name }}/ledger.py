"""The evidence ledger (SQLite): sources, drafts, claims and evidence spans.

A draft and all its claims and evidence are written in one transaction, so a reader
never sees a draft without its evidence. Sources are never updated in place: evidence
offsets point into them.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .platform.sqlite_db import SqliteDatabase
from .records import Claim, Draft, Evidence, Source

SCHEMA = """
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
DRAFT_COLUMNS = (
    "id, instruction, status, text, model_output, source_ids, prompt_version, model, policy_version,"
    " min_evidence_per_claim, on_unsupported, created_by, created_at"
)


class EvidenceLedger(SqliteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def add_source(self, conn: sqlite3.Connection, source: Source) -> None:
        conn.execute(
            "INSERT INTO sources (id, title, text, sha256, registered_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (source.id, source.title, source.text, source.sha256, source.registered_by, source.created_at),
        )

    def source(self, conn: sqlite3.Connection, source_id: str) -> Source | None:
        row = conn.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        return Source(**dict(row)) if row else None

    def sources(self, ids: list[str] | None = None) -> list[Source]:
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM sources ORDER BY id").fetchall()
        found = [Source(**dict(row)) for row in rows]
        wanted = None if ids is None else set(ids)
        return found if wanted is None else [source for source in found if source.id in wanted]

    def add_draft(self, conn: sqlite3.Connection, draft: Draft) -> None:
        conn.execute(
            f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                draft.id,
                draft.instruction,
                draft.status,
                draft.text,
                draft.model_output,
                json.dumps(draft.source_ids),
                draft.prompt_version,
                draft.model,
                draft.policy_version,
                draft.min_evidence_per_claim,
                draft.on_unsupported,
                draft.created_by,
                draft.created_at,
            ),
        )
        for claim in draft.claims:
            cursor = conn.execute(
                "INSERT INTO claims (draft_id, position, text, cited_sources, status) VALUES (?, ?, ?, ?, ?)",
                (draft.id, claim.position, claim.text, json.dumps(claim.cited_sources), claim.status),
            )
            conn.executemany(
                "INSERT INTO evidence (claim_id, source_id, start_offset, end_offset, quote, coverage, cited)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (cursor.lastrowid, ev.source_id, ev.start, ev.end, ev.quote, ev.coverage, int(ev.cited))
                    for ev in claim.evidence
                ],
            )

    def draft(self, draft_id: str) -> Draft | None:
        with self.reading() as conn:
            row = conn.execute(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE id = ?", (draft_id,)).fetchone()  # noqa: S608
            if row is None:
                return None
            claims = []
            for claim in conn.execute("SELECT * FROM claims WHERE draft_id = ? ORDER BY position", (draft_id,)):
                rows = conn.execute("SELECT * FROM evidence WHERE claim_id = ? ORDER BY id", (claim["id"],))
                claims.append(
                    Claim(
                        position=claim["position"],
                        text=claim["text"],
                        cited_sources=json.loads(claim["cited_sources"]),
                        status=claim["status"],
                        evidence=[_evidence(row) for row in rows],
                    )
                )
        data = dict(row)
        data["source_ids"] = json.loads(data["source_ids"])
        return Draft(**data, claims=claims)


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        source_id=row["source_id"],
        start=row["start_offset"],
        end=row["end_offset"],
        quote=row["quote"],
        coverage=row["coverage"],
        cited=bool(row["cited"]),
    )
