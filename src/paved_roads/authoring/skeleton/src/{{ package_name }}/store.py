"""__PATTERN_TITLE__ answers, in SQLite (one row per answer).

The store declares its tables as schema migrations: `<slug> migrate` opens it (see `cli.py`)
and a later template version adds `Migration(2, ...)` instead of editing version 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .platform.schema_migrations import Migration
from .platform.sqlite_db import SqliteDatabase

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    cited TEXT NOT NULL,
    refused INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    prompt_version TEXT NOT NULL,
    audit_seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS answers_by_time ON answers (created_at);
"""
MIGRATIONS = (Migration(1, "answers, as of the pattern's first version", SCHEMA),)


@dataclass(frozen=True)
class Answer:
    """An answer as stored and as the API returns it: the text, the source ids it cites, and whether it declined."""

    id: str
    question: str
    answer: str
    cited: list[str]
    refused: bool
    created_by: str
    created_at: str
    prompt_version: str
    audit_seq: int


class AnswerStore(SqliteDatabase):
    def __init__(self, path: Path) -> None:
        super().__init__(path, store="answers", migrations=MIGRATIONS)

    def add(self, answer: Answer) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO answers (id, question, answer, cited, refused, created_by, created_at, prompt_version,"
                " audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer.id,
                    answer.question,
                    answer.answer,
                    json.dumps(answer.cited),
                    int(answer.refused),
                    answer.created_by,
                    answer.created_at,
                    answer.prompt_version,
                    answer.audit_seq,
                ),
            )

    def get(self, answer_id: str) -> Answer | None:
        with self.reading() as conn:
            row = conn.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return _answer(row) if row else None

    def newest(self, limit: int = 50) -> list[Answer]:
        with self.reading() as conn:
            rows = conn.execute("SELECT * FROM answers ORDER BY created_at DESC, id DESC LIMIT ?", (limit,))
            return [_answer(row) for row in rows]


def _answer(row) -> Answer:
    fields = dict(row)
    return Answer(**fields | {"cited": json.loads(fields["cited"]), "refused": bool(fields["refused"])})
