"""Time-boxed waivers: `policies/waivers.yml` lets a named control pass until a date.

Python only parses the file; the Rego policy decides whether each waiver is valid (known control,
approver is an owner, not expired, at most 90 days ahead) and which controls it covers. Every
waiver, valid or not, is listed in the evidence bundle.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from .reviews import normalize_handle

REQUIRED = ("control", "reason", "approver", "expires")


def load_waivers(path: Path, today: date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parsed waivers and the evidence entry for the file; a malformed file is one waiver with a problem."""
    if not path.is_file():
        return [], [{"file": path.name, "sha256": "", "figure": "no waiver file"}]
    raw = path.read_bytes()
    evidence = [{"file": f"policies/{path.name}", "sha256": hashlib.sha256(raw).hexdigest(), "figure": ""}]
    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as error:
        return [_broken(f"{path.name} is not valid YAML ({error})")], evidence
    entries = data.get("waivers") if isinstance(data, dict) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        return [_broken(f"{path.name}: 'waivers' must be a list")], evidence
    waivers = [_parse(entry, today) for entry in entries]
    evidence[0]["figure"] = f"{len(waivers)} waiver(s)"
    return waivers, evidence


def _broken(problem: str) -> dict[str, Any]:
    return {"control": None, "reason": "", "approver": None, "expires": None, "days_left": None, "problems": [problem]}


def _parse(entry: Any, today: date) -> dict[str, Any]:
    if not isinstance(entry, dict):
        return _broken("each waiver must be a mapping with control, reason, approver, expires")
    problems = [f"missing {key}" for key in REQUIRED if not entry.get(key)]
    expires = entry.get("expires")
    if isinstance(expires, datetime):
        expires = expires.date()
    if expires is not None and not isinstance(expires, date):
        try:
            expires = date.fromisoformat(str(expires))
        except ValueError:
            problems.append(f"expires {expires!r} is not an ISO date (YYYY-MM-DD)")
            expires = None
    return {
        "control": str(entry["control"]) if entry.get("control") else None,
        "reason": str(entry.get("reason", "")),
        "approver": normalize_handle(str(entry["approver"])) if entry.get("approver") else None,
        "expires": expires.isoformat() if expires else None,
        "days_left": (expires - today).days if expires else None,
        "problems": problems,
    }
