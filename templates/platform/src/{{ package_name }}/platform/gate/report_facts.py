"""Facts from the latest eval run and shadow test, checked against the configuration of now.

A report counts only while the fingerprint it ran under matches the current one (prompts, model
settings, datasets, code): evidence about yesterday's configuration says nothing about today's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..evals.fingerprint import changed_parts, config_fingerprint
from ..evals.metrics import directions
from ..settings import Settings
from .repo_facts import entry, shown


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def eval_facts(settings: Settings, parts: dict[str, str]) -> dict[str, Any]:
    root = settings.project_root
    path = settings.path(settings.data_dir) / "evals" / "latest.json"
    baseline_path = settings.path(settings.evals_dir) / "baseline.json"
    report, baseline = read_json(path), read_json(baseline_path) or {}
    facts: dict[str, Any] = {
        "found": report is not None,
        "path": shown(root, path),
        "stale": False,
        "changed": [],
        "errors": 0,
        "metrics": {},
        "prompts": [],
        "directions": directions(),
        "baseline": {
            "found": isinstance(baseline.get("metrics"), dict),
            "path": shown(root, baseline_path),
            "metrics": baseline.get("metrics") or {},
        },
        "evidence": [],
    }
    if report is not None:
        changed = changed_parts(report.get("fingerprint_parts") or {}, parts)
        facts["stale"], facts["changed"] = bool(changed), changed
        facts["errors"] = int(report.get("errors", 0))
        facts["metrics"] = report.get("metrics") or {}
        facts["directions"] |= report.get("directions") or {}  # the pattern's metrics, as the run recorded them
        facts["prompts"] = report.get("prompts") or []
        figure = f"{report.get('cases_total', 0)} cases, {facts['errors']} errors, ran {report.get('started_at', '?')}"
        facts["evidence"].append(entry(facts["path"], figure, path))
    if baseline_path.is_file():
        count = len(facts["baseline"]["metrics"])
        facts["evidence"].append(entry(facts["baseline"]["path"], f"{count} baselined metrics", baseline_path))
    return facts


def shadow_facts(settings: Settings, parts: dict[str, str]) -> dict[str, Any]:
    path = settings.path(settings.data_dir) / "shadow" / "latest.json"
    report = read_json(path)
    facts: dict[str, Any] = {
        "found": report is not None,
        "path": shown(settings.project_root, path),
        "stale": False,
        "regressions": [],
        "candidate": "",
        "evidence": [],
    }
    if report is not None:
        facts["stale"] = report.get("current_fingerprint") != config_fingerprint(settings, parts)
        facts["regressions"] = list((report.get("quality") or {}).get("regressions") or [])
        facts["candidate"] = str((report.get("candidate") or {}).get("name", ""))
        verdict = f"{report.get('verdict')} on {report.get('cases')} cases ({report.get('mode')})"
        facts["evidence"].append(entry(facts["path"], f"candidate {facts['candidate']}: {verdict}", path))
    return facts
