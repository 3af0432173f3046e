"""Review records: who approved which version of the change, kept in `docs/reviews/*.yml`.

A record binds an approval to the *content* it approved: `change` is a fingerprint of every
project file except the review records themselves. Editing anything after the approval changes
the fingerprint, so the approval no longer counts and the high-tier gate asks for a fresh one.
The fingerprint works with or without git history, and the same files are hashed in CI.

```yaml
reviewer: "@alice"
decision: approved          # approved | changes_requested
change: sha256:5f0c...      # `<project> review --reviewer @alice` fills this in
date: 2025-01-31
commit: 1a2b3c4            # informational
note: checked the eval diff and the rollback plan
```
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from .git import project_files, run_git

REVIEWS_DIR = Path("docs/reviews")
DECISIONS = ("approved", "changes_requested")
_SLUG = re.compile(r"[^a-z0-9]+")


def normalize_handle(value: str) -> str:
    """ "@Alice", "alice" -> "@alice"; e-mail addresses stay as they are (lower-cased)."""
    text = str(value).strip().lower()
    if "@" in text.lstrip("@"):
        return text.lstrip("@") if text.count("@") > 1 else text
    return "@" + text.lstrip("@") if text else ""


def change_fingerprint(root: Path) -> str:
    """sha256 over (path, content) of every project file outside `docs/reviews/`."""
    digest = hashlib.sha256()
    for path in project_files(root):
        relative = path.relative_to(root)
        if relative.parts[: len(REVIEWS_DIR.parts)] == REVIEWS_DIR.parts:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def load_reviews(root: Path) -> list[dict[str, Any]]:
    """Every record, with `problems` listing what makes it unusable (the policy decides what counts)."""
    records = []
    for path in sorted((root / REVIEWS_DIR).glob("*.y*ml")):
        shown = path.relative_to(root).as_posix()
        problems: list[str] = []
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data, problems = {}, ["not valid YAML"]
        if not isinstance(data, dict):
            data, problems = {}, ["must be a mapping"]
        for key in ("reviewer", "decision", "change", "date"):
            if not data.get(key) and not problems:
                problems.append(f"missing {key}")
        if data.get("decision") and data["decision"] not in DECISIONS:
            problems.append(f"decision must be one of {', '.join(DECISIONS)}")
        records.append(
            {
                "file": shown,
                "reviewer": normalize_handle(str(data.get("reviewer", ""))),
                "decision": str(data.get("decision", "")),
                "change": str(data.get("change", "")),
                "date": str(data.get("date", "")),
                "problems": problems,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            }
        )
    return records


def write_review(root: Path, *, reviewer: str, decision: str = "approved", note: str = "") -> Path:
    """Record `reviewer`'s decision on the project as it is now; returns the new file."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {', '.join(DECISIONS)}, got {decision!r}")
    handle = normalize_handle(reviewer)
    if not handle or handle == "@":
        raise ValueError("reviewer must be a GitHub handle such as @alice")
    change = change_fingerprint(root)
    today = datetime.now(UTC).date()
    record = {
        "reviewer": handle,
        "decision": decision,
        "change": change,
        "date": today.isoformat(),
        "commit": (run_git(root, "rev-parse", "--short", "HEAD") or "").strip() or None,
        "note": note,
    }
    folder = root / REVIEWS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{today.isoformat()}-{_SLUG.sub('-', handle.lower()).strip('-')}-{change[7:15]}.yml"
    path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    return path


def review_facts(root: Path, author: str, aliases: list[str]) -> dict[str, Any]:
    """The change under review, its author, and every review record (the policy decides which count)."""
    records = load_reviews(root)
    change = change_fingerprint(root)
    approved = sum(r["decision"] == "approved" and r["change"] == change for r in records)
    evidence = [
        {"file": r["file"], "sha256": r["sha256"], "figure": f"{r['reviewer']} {r['decision']}"} for r in records
    ]
    evidence.append({"file": REVIEWS_DIR.as_posix(), "sha256": change.removeprefix("sha256:"),
                     "figure": f"{approved} approval(s) of this change"})  # fmt: skip
    return {
        "change": change,
        "author": normalize_handle(author) if author != "unknown" else "unknown",
        "author_aliases": sorted({normalize_handle(alias) for alias in aliases if alias}),
        "records": [{k: v for k, v in r.items() if k != "sha256"} for r in records],
        "evidence": evidence,
    }
