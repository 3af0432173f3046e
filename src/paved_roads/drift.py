"""Template drift of one generated project: how many releases behind, what its tier allows, what was skipped.

The generated CI drift job runs `paved-roads drift`: it warns while the project is behind, fails
once it is more releases behind than `governance.yml` allows (`template.max_versions_behind`,
stricter for higher tiers), and lists template changes skipped because a file was deleted
locally — both those recorded by past updates (`.copier-skipped.yml`) and those the next update
would skip (rendered now, for the files this project no longer has).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .git_repo import is_git_url
from .render import load_answers, render
from .update import SKIPPED_FILE
from .versions import latest, newer_than

DEFAULT_ALLOWED = {"low": 3, "medium": 2, "high": 1}


def allowed_behind(governance: dict[str, Any], tier: str | None) -> int:
    configured = (governance.get("template") or {}).get("max_versions_behind")
    if isinstance(configured, int) and configured >= 0:
        return configured
    return DEFAULT_ALLOWED.get(tier or "", 1)


def recorded_skips(project: Path) -> list[dict]:
    """Entries of `.copier-skipped.yml` the team has neither taken nor declined."""
    path = project / SKIPPED_FILE
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return [
        e
        for e in data.get("skipped", [])
        if isinstance(e, dict) and not e.get("declined") and not (project / str(e.get("path"))).exists()
    ]


@dataclass
class Drift:
    project: str
    source: str
    current: str
    newest: str | None
    behind: list[str]
    allowed: int
    tier: str | None
    verdict: str  # current | behind | too-far | unreachable
    recorded: list[dict] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    def lines(self) -> list[tuple[str, str]]:
        """(level, text) lines: level is notice, warning or error."""
        out = []
        if self.verdict == "unreachable":
            out.append(("warning", f"template source {self.source} is a local path CI cannot reach; use its git URL"))
        elif self.verdict == "current":
            out.append(("notice", f"template is current ({self.current})"))
        else:
            level = "error" if self.verdict == "too-far" else "warning"
            out.append(
                (
                    level,
                    f"template {self.current} is {len(self.behind)} release(s) behind {self.newest} "
                    f"({', '.join(self.behind)}); {self.tier or 'this'} tier allows {self.allowed}",
                )
            )
        for entry in self.recorded:
            out.append(
                (
                    "warning",
                    f"template change skipped, file deleted here: {entry['path']} "
                    f"({entry.get('from')} -> {entry.get('to')}); restore it or set `declined` in {SKIPPED_FILE}",
                )
            )
        for path in self.pending:
            out.append(("warning", f"the next update will skip a template change to {path} (deleted here)"))
        return out


def drift(project: Path, *, preview: bool = True) -> Drift:
    project = project.resolve()
    answers = load_answers(project)
    source, current = str(answers["_src_path"]), str(answers["_commit"])
    governance_file = project / "governance.yml"
    governance = yaml.safe_load(governance_file.read_text()) if governance_file.is_file() else {}
    governance = governance or {}
    tier = governance.get("risk_tier") or answers.get("risk_tier")
    result = Drift(str(project), source, current, None, [], allowed_behind(governance, tier), tier, "current")
    result.recorded = recorded_skips(project)
    if not is_git_url(source) and not Path(source).is_dir():
        result.verdict = "unreachable"
        return result
    newest = latest(source)
    result.newest = newest.tag if newest else None
    result.behind = [r.tag for r in newer_than(current, source)]
    if result.behind:
        result.verdict = "too-far" if len(result.behind) > result.allowed else "behind"
        if preview and newest is not None:
            result.pending = _pending_skips(project, source, current, newest.tag, answers)
    return result


def _pending_skips(project: Path, source: str, current: str, newest: str, answers: dict) -> list[str]:
    """Files this project deleted whose template text changes between its version and the newest."""
    then = render(source, current, answers)
    missing = sorted(p for p in then if not (project / p).exists())
    if not missing:
        return []
    now = render(source, newest, answers, only=missing)
    return [p for p in missing if p in now and now[p] != then[p]]
