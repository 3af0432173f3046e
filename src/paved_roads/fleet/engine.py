"""`fleet update`: update every repo of a manifest in its own working copy, in parallel, resumably.

Per repo: refuse a dirty local checkout (or stash it), clone into `<workdir>/repos/<name>`, branch
`paved-roads/template-<tag>`, run `paved-roads update`, run the repo's checks (tests, gate) when the
update merged cleanly, commit, and push only when asked. The outcome of each finished repo is
written to `<workdir>/state/<name>.json` at once, so an interrupted run resumes where it stopped.
Repos run in worker processes (`--jobs`); Copier is imported once per worker, not once per repo.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..git_repo import dirty_files, git, stash
from ..render import load_answers
from ..update import update_project
from ..versions import find_release, latest
from .manifest import Repo

OUTCOMES = ("up-to-date", "updated", "conflicts", "skipped-deleted", "gate-failed", "error")
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "paved-roads fleet",
    "GIT_AUTHOR_EMAIL": "paved-roads-fleet@localhost",
    "GIT_COMMITTER_NAME": "paved-roads fleet",
    "GIT_COMMITTER_EMAIL": "paved-roads-fleet@localhost",
}


@dataclass
class Options:
    workdir: Path
    to: str | None = None
    push: bool = False
    stash: bool = False
    pull_request: bool = False
    run_checks: bool = True


@dataclass
class RepoOutcome:
    name: str
    url: str
    outcome: str
    from_version: str | None = None
    to_version: str | None = None
    branch: str | None = None
    working_copy: str | None = None
    summary: str = ""
    conflicts: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    carried: list[dict] = field(default_factory=list)
    changed_files: int = 0
    check: dict[str, Any] = field(default_factory=dict)
    pushed: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    request: dict[str, Any] = field(default_factory=dict)
    resumed: bool = False


def _request(repo: Repo, options: Options) -> dict[str, Any]:
    return {"url": repo.url, "branch": repo.branch, "to": options.to, "check": list(repo.check)}


def state_path(workdir: Path, name: str) -> Path:
    return workdir / "state" / f"{name}.json"


def load_state(workdir: Path, repo: Repo, options: Options) -> RepoOutcome | None:
    """The recorded outcome of an earlier run with the same request, if it finished."""
    path = state_path(workdir, repo.name)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        outcome = RepoOutcome(**data)
    except (ValueError, TypeError):
        return None
    return outcome if outcome.request == _request(repo, options) else None


def _save_state(workdir: Path, outcome: RepoOutcome) -> None:
    path = state_path(workdir, outcome.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(asdict(outcome), indent=2, default=str))
    partial.replace(path)  # atomic: a state file is whole or absent


def update_repo(repo: Repo, options: Options) -> RepoOutcome:
    """Everything for one repo; never raises (an unexpected failure is the `error` outcome)."""
    started = time.perf_counter()
    for key, value in GIT_IDENTITY.items():
        os.environ.setdefault(key, value)
    outcome = RepoOutcome(repo.name, repo.url, "error", request=_request(repo, options))
    try:
        _update_repo(repo, options, outcome)
    except Exception as error:  # one repo's failure is reported; the fleet goes on
        outcome.outcome = "error"
        outcome.summary = str(error).splitlines()[0] if str(error) else type(error).__name__
        outcome.notes.append(str(error))
    outcome.seconds = round(time.perf_counter() - started, 2)
    _save_state(options.workdir, outcome)
    return outcome


def _update_repo(repo: Repo, options: Options, outcome: RepoOutcome) -> None:
    if repo.is_local:
        dirty = dirty_files(Path(repo.url))
        if dirty and not options.stash:
            outcome.summary = (
                f"uncommitted changes in {repo.url}: {', '.join(dirty[:10])}"
                f"{' …' if len(dirty) > 10 else ''}; commit them or rerun with --stash"
            )
            outcome.notes.append("dirty: " + ", ".join(dirty))
            return
        if dirty:
            stash_id = stash(Path(repo.url), "paved-roads fleet update")
            outcome.notes.append(f"uncommitted changes stashed in {repo.url} ({stash_id[:12]}): `git stash pop`")
    copy = options.workdir / "repos" / repo.name
    if copy.exists():
        shutil.rmtree(copy)  # left by an interrupted run: start this repo again from scratch
    copy.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["git", "clone", "--quiet", "--branch", repo.branch, repo.url, str(copy)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"cannot clone {repo.url} ({repo.branch}): {done.stderr.strip()}")
    answers = load_answers(copy)
    source = str(answers["_src_path"])
    outcome.from_version = str(answers["_commit"])
    target = find_release(source, options.to) if options.to else latest(source)
    if target is None:
        raise RuntimeError(f"template {source} has no release tags")
    outcome.to_version = target.tag
    outcome.branch = f"paved-roads/template-{target.tag}"
    git(copy, "checkout", "-q", "-b", outcome.branch)
    result = update_project(copy, to=target.tag)
    outcome.conflicts = [asdict(n) for n in result.conflicts]
    outcome.skipped = [asdict(n) for n in result.skipped]
    outcome.carried = [asdict(n) for n in result.carried]
    outcome.changed_files = len(result.changed)
    outcome.notes += result.notes
    if result.outcome == "up-to-date":
        outcome.outcome, outcome.branch = "up-to-date", None
        outcome.summary = f"already at {target.tag}"
        shutil.rmtree(copy)
        return
    outcome.working_copy = str(copy)
    outcome.outcome = result.outcome
    if result.outcome != "conflicts" and options.run_checks and repo.check:
        outcome.check = run_checks(copy, repo.check)
        if not outcome.check["passed"]:
            outcome.outcome = "gate-failed"
    outcome.summary = _summary(outcome)
    title = f"Update paved-roads template {outcome.from_version} -> {target.tag}"
    if outcome.outcome == "conflicts":
        title = "CONFLICTS: " + title
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", title, "-m", result.markdown())
    if options.push:
        git(copy, "push", "--quiet", "origin", outcome.branch)
        outcome.pushed = True
        if options.pull_request:
            _open_pull_request(copy, repo, outcome, title, result.markdown())


def _summary(outcome: RepoOutcome) -> str:
    parts = [f"{outcome.from_version} -> {outcome.to_version}", f"{outcome.changed_files} files changed"]
    if outcome.conflicts:
        parts.append(f"{len(outcome.conflicts)} conflicts: " + ", ".join(c["path"] for c in outcome.conflicts))
    if outcome.skipped:
        parts.append("skipped (deleted here): " + ", ".join(s["path"] for s in outcome.skipped))
    if outcome.check and not outcome.check["passed"]:
        parts.append(f"check failed: {outcome.check['failed']}")
    return "; ".join(parts)


def run_checks(copy: Path, commands: tuple[str, ...]) -> dict[str, Any]:
    """Run the repo's checks in order; stop at the first failure and keep the end of its output."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    ran = []
    for command in commands:
        started = time.perf_counter()
        try:
            done = subprocess.run(
                command, shell=True, cwd=copy, capture_output=True, text=True, timeout=3600, env=environment
            )
            code, output = done.returncode, (done.stdout + done.stderr)
        except subprocess.TimeoutExpired:
            code, output = -1, "timed out after 3600 s"
        ran.append({"command": command, "exit": code, "seconds": round(time.perf_counter() - started, 2)})
        if code != 0:
            return {"passed": False, "failed": command, "ran": ran, "output_tail": output[-3000:]}
    return {"passed": True, "failed": None, "ran": ran, "output_tail": ""}


def _open_pull_request(copy: Path, repo: Repo, outcome: RepoOutcome, title: str, body: str) -> None:
    done = subprocess.run(
        ["gh", "pr", "create", "--head", outcome.branch, "--base", repo.branch, "--title", title, "--body", body]
        + (["--draft"] if outcome.outcome in ("conflicts", "gate-failed") else []),
        cwd=copy,
        capture_output=True,
        text=True,
    )
    if done.returncode == 0:
        outcome.notes.append(f"pull request: {done.stdout.strip()}")
    else:
        outcome.notes.append(f"gh pr create failed: {done.stderr.strip()}")


def run_fleet(
    repos: list[Repo],
    options: Options,
    *,
    jobs: int = 1,
    on_done: Callable[[RepoOutcome, int, int], None] | None = None,
) -> list[RepoOutcome]:
    """Update `repos`, `jobs` at a time; repos already finished by an earlier run are not redone."""
    results: dict[str, RepoOutcome] = {}
    todo = []
    for repo in repos:
        previous = load_state(options.workdir, repo, options)
        if previous is not None:
            previous.resumed = True
            results[repo.name] = previous
        else:
            todo.append(repo)
    total = len(repos)
    for outcome in results.values():
        if on_done:
            on_done(outcome, len(results), total)
    if jobs <= 1:
        for repo in todo:
            results[repo.name] = update_repo(repo, options)
            if on_done:
                on_done(results[repo.name], len(results), total)
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            pending: dict[Future, Repo] = {pool.submit(update_repo, repo, options): repo for repo in todo}
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        repo = pending.pop(future)
                        results[repo.name] = future.result()
                        if on_done:
                            on_done(results[repo.name], len(results), total)
            except KeyboardInterrupt:
                for future in pending:
                    future.cancel()
                raise
    return [results[repo.name] for repo in repos]
