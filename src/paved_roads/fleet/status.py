"""`fleet status`: template version, versions behind, tier and last gate result of every repo."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from ..drift import allowed_behind
from ..git_repo import git
from ..versions import newer_than
from .engine import state_path
from .manifest import Repo


@dataclass
class RepoStatus:
    name: str
    template_version: str | None
    versions_behind: int | None
    allowed_behind: int | None
    tier: str | None
    drift: str
    last_update: str | None
    last_gate: str | None
    error: str | None = None


def _read_files(repo: Repo, workdir: Path, names: tuple[str, ...]) -> dict[str, str]:
    if repo.is_local:
        where = Path(repo.url)
    else:
        where = workdir / "status" / repo.name
        shutil.rmtree(where, ignore_errors=True)
        done = subprocess.run(
            ["git", "clone", "--quiet", "--depth", "1", "--branch", repo.branch, "--no-checkout", repo.url, str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"cannot read {repo.url}: {done.stderr.strip()}")
    return {name: git(where, "show", f"{repo.branch}:{name}", check=False) for name in names}


def repo_status(repo: Repo, workdir: Path) -> RepoStatus:
    status = RepoStatus(repo.name, None, None, None, None, "unknown", None, None)
    try:
        files = _read_files(repo, workdir, (".copier-answers.yml", "governance.yml"))
        answers = yaml.safe_load(files[".copier-answers.yml"]) or {}
        governance = yaml.safe_load(files["governance.yml"] or "{}") or {}
        if not answers.get("_src_path"):
            raise RuntimeError("no .copier-answers.yml on its branch: not under the template (see `adopt`)")
        status.template_version = str(answers.get("_commit"))
        status.tier = governance.get("risk_tier") or answers.get("risk_tier")
        status.versions_behind = len(newer_than(status.template_version, str(answers["_src_path"])))
        status.allowed_behind = allowed_behind(governance, status.tier)
        if status.versions_behind == 0:
            status.drift = "current"
        elif status.versions_behind <= status.allowed_behind:
            status.drift = "behind"
        else:
            status.drift = "too far behind"
    except Exception as error:  # one unreadable repo does not hide the others
        status.error = str(error).splitlines()[0]
    state = state_path(workdir, repo.name)
    if state.is_file():
        last = json.loads(state.read_text())
        status.last_update = f"{last['outcome']} ({last.get('to_version')})"
        check = last.get("check") or {}
        status.last_gate = "passed" if check.get("passed") else f"failed: {check['failed']}" if check else None
    return status


def fleet_status(repos: list[Repo], workdir: Path) -> list[RepoStatus]:
    return [repo_status(repo, workdir) for repo in repos]


def status_rows(statuses: list[RepoStatus]) -> list[dict]:
    return [asdict(s) for s in statuses]
