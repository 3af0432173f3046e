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

from .git_repo import git, is_git_url
from .render import ANSWERS_FILE, load_answers, render
from .template_versions import allowed_behind as allowed_for
from .update import SKIPPED_FILE
from .versions import latest, newer_than


def allowed_behind(governance: dict[str, Any], tier: str | None) -> int:
    """governance.yml's `template.max_versions_behind`, else the tier's default: as the gate reads it."""
    return allowed_for(((governance or {}).get("template") or {}).get("max_versions_behind"), tier)


def _skip_entries(project: Path) -> list[dict]:
    path = project / SKIPPED_FILE
    data = (yaml.safe_load(path.read_text()) if path.is_file() else None) or {}
    return [e for e in data.get("skipped", []) if isinstance(e, dict)]


def declined_paths(project: Path) -> set[str]:
    return {str(e.get("path")) for e in _skip_entries(project) if e.get("declined")}


def recorded_skips(project: Path) -> list[dict]:
    """Entries of `.copier-skipped.yml` the team has neither taken nor declined."""
    return [e for e in _skip_entries(project) if not e.get("declined") and not (project / str(e.get("path"))).exists()]


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
    if preview:
        _skips_by_rendering(project, source, current, result.newest if result.behind else None, answers, result)
    return result


def _skips_by_rendering(project: Path, source: str, current: str, newest: str | None, answers: dict, result) -> None:
    """Template changes to files deleted here, found by rendering, whoever ran the updates.

    Past skips: a file deleted while the project was on release A whose text at the current release
    differs from A's (an update since then dropped the change: plain `copier update`, Renovate and
    `paved-roads update` alike). Pending: the text at the newest release differs from the current one.
    """
    then = render(source, current, answers)
    declined = declined_paths(project)
    missing = sorted(p for p in then if not (project / p).exists() and p not in declined)
    if not missing:
        return
    if newest:
        now = render(source, newest, answers, only=missing)
        result.pending = [p for p in missing if p in now and now[p] != then[p]]
    recorded = {str(e.get("path")) for e in result.recorded}
    deleted_at: dict[str, list[str]] = {}
    answers_at: dict[str, dict] = {}
    for path in missing:
        commit = git(project, "log", "-1", "--diff-filter=D", "--format=%H", "--", path, check=False).strip()
        if not commit or path in recorded:
            continue
        answers_then = yaml.safe_load(git(project, "show", f"{commit}:{ANSWERS_FILE}", check=False) or "{}") or {}
        version = str(answers_then.get("_commit") or "")
        if version and version != current:
            deleted_at.setdefault(version, []).append(path)
            answers_at[version] = {**answers, **{k: v for k, v in answers_then.items() if not k.startswith("_")}}
    for version, paths in sorted(deleted_at.items()):
        old = render(source, version, answers_at[version], only=paths)
        for path in paths:
            if path in old and old[path] != then[path]:
                result.recorded.append({"path": path, "from": version, "to": current, "declined": None})
