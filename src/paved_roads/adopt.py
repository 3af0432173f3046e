"""`adopt`: bring an existing repo under the template so later updates are true three-way merges.

Plain `copier copy` over an existing repo stops at the first conflict and leaves a half-written
tree. `adopt` instead:

1. gathers answers from `.cruft.json` (a Cookiecutter project managed by cruft), `governance.yml`,
   `pyproject.toml` and `--data`, with `--pattern` naming the pattern;
2. renders every release (or `--version`) for those answers and picks the one the repo matches
   best: that render becomes the base of the next three-way merge, so the repo's differences
   from it count as the team's own edits;
3. plans the change: the template files the repo lacks are added, files that differ are kept as
   the team's, `.copier-answers.yml` is written pinned to that release, `.cruft.json` removed;
4. shows the plan and its diff; with `--yes` commits it in a separate git worktree and
   fast-forwards the repo to that commit, so the repo is either untouched or fully adopted.
"""

from __future__ import annotations

import difflib
import json
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .git_repo import GitError, dirty_files, git, stash, unstash
from .render import ANSWERS_FILE, render
from .versions import Release, find_release, releases

COOKIECUTTER_KEYS = {  # Cookiecutter names that differ from this template's questions
    "module_name": "package_name",
    "project_short_description": "description",
    "short_description": "description",
    "repo_name": "project_slug",
}
QUESTIONS = (
    "project_name",
    "project_slug",
    "package_name",
    "description",
    "owner_team",
    "risk_tier",
    "owners",
    "monthly_budget_usd",
    "model_provider",
    "academy",
)


class AdoptError(RuntimeError):
    """The repo cannot be adopted as asked; the message says why."""


@dataclass
class Plan:
    repo: Path
    head: str  # the commit the plan was made from: applying it to a later one is refused
    source: str
    release: Release
    answers: dict[str, Any]
    answers_from: list[str]
    add: dict[str, bytes] = field(default_factory=dict)
    keep: list[str] = field(default_factory=list)
    same: int = 0
    remove: list[str] = field(default_factory=list)
    answers_file: bytes = b""
    scores: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [
            f"adopt {self.repo} as {self.answers['pattern']} at template {self.release.tag} ({self.source})",
            f"answers from: {', '.join(self.answers_from)}",
            "match per release: " + ", ".join(f"{tag} {score:.0%}" for tag, score in self.scores.items()),
            f"{self.same} files already identical to the template",
            f"add {len(self.add)} template files the repo lacks",
            f"keep {len(self.keep)} files that differ from the template (they become your local edits)",
            f"write {ANSWERS_FILE} pinned to {self.release.tag}",
        ]
        lines += [f"remove {path} (cruft's record; Copier's answers file replaces it)" for path in self.remove]
        return "\n".join(lines)

    def diff(self, limit: int = 400) -> str:
        """The unified diff of everything `--yes` would write (kept files are not touched)."""
        chunks = []
        for path, content in sorted({**self.add, ANSWERS_FILE: self.answers_file}.items()):
            new = content.decode(errors="replace").splitlines(keepends=True)
            chunks += difflib.unified_diff([], new, "/dev/null", f"b/{path}")
        for path in self.remove:
            old = (self.repo / path).read_text(errors="replace").splitlines(keepends=True)
            chunks += difflib.unified_diff(old, [], f"a/{path}", "/dev/null")
        text = "".join(chunks)
        lines = text.splitlines()
        if len(lines) > limit:
            return "\n".join(lines[:limit]) + f"\n... {len(lines) - limit} more lines (--diff-lines to see more)\n"
        return text


def gather_answers(repo: Path, pattern: str, data: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    answers: dict[str, Any] = {}
    found = []
    cruft = repo / ".cruft.json"
    if cruft.is_file():
        context = json.loads(cruft.read_text()).get("context", {}).get("cookiecutter", {})
        for key, value in context.items():
            name = COOKIECUTTER_KEYS.get(key, key)
            if name in QUESTIONS:
                answers[name] = value
        found.append(".cruft.json")
    governance = repo / "governance.yml"
    if governance.is_file():
        doc = yaml.safe_load(governance.read_text()) or {}
        for key, name in (("risk_tier", "risk_tier"), ("owner_team", "owner_team"), ("owners", "owners")):
            if key in doc:
                answers.setdefault(name, doc[key])
        if isinstance(doc.get("budget"), dict) and "monthly_usd" in doc["budget"]:
            answers.setdefault("monthly_budget_usd", doc["budget"]["monthly_usd"])
        found.append("governance.yml")
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        if project.get("name"):
            answers.setdefault("project_slug", project["name"])
        if project.get("description"):
            answers.setdefault("description", project["description"])
        found.append("pyproject.toml")
    if data:
        answers.update(data)
        found.append("--data")
    answers["pattern"] = pattern
    return answers, found or ["template defaults"]


def _score(rendered: dict[str, bytes], repo_files: dict[str, bytes]) -> float:
    """Share of the template's lines the repo has, file by file (1.0: the repo is exactly this render)."""
    total = matched = 0
    for path, content in rendered.items():
        lines = content.splitlines()
        total += len(lines) or 1
        theirs = repo_files.get(path)
        if theirs is None:
            continue
        if theirs == content:
            matched += len(lines) or 1
            continue
        matcher = difflib.SequenceMatcher(None, lines, theirs.splitlines(), autojunk=False)
        matched += sum(block.size for block in matcher.get_matching_blocks())
    return matched / total if total else 0.0


def plan_adoption(
    repo: Path, *, source: str, pattern: str, data: dict[str, Any] | None = None, version: str | None = None
) -> Plan:
    repo = repo.resolve()
    if (repo / ANSWERS_FILE).exists():
        raise AdoptError(f"{repo} already has {ANSWERS_FILE}: it is under a template; use `paved-roads update`")
    if not (repo / ".git").exists():
        raise AdoptError(f"{repo} is not a git repository; adopt needs its history to keep your work safe")
    answers, found = gather_answers(repo, pattern, data or {})
    candidates = [find_release(source, version)] if version else list(reversed(releases(source)))[:8]
    if not candidates:
        raise AdoptError(f"template {source} has no release tags to pin the repo to")
    repo_files = {p: (repo / p).read_bytes() for p in git(repo, "ls-files", "-z").split("\0") if p}
    best: tuple[float, Release, dict[str, bytes]] | None = None
    scores = {}
    for release in candidates:
        try:
            rendered = render(source, release.tag, answers, keep_answers=True)
        except Exception as error:  # an answer the template refuses names its field
            raise AdoptError(f"template {release.tag} refused the answers: {str(error).splitlines()[0]}") from error
        score = _score({k: v for k, v in rendered.items() if k != ANSWERS_FILE}, repo_files)
        scores[release.tag] = score
        if best is None or score > best[0]:
            best = (score, release, rendered)
    assert best is not None
    _, release, rendered = best
    plan = Plan(repo, git(repo, "rev-parse", "HEAD").strip(), source, release, answers, found, scores=scores)
    plan.answers_file = rendered.pop(ANSWERS_FILE)
    for path, content in sorted(rendered.items()):
        if path not in repo_files:
            plan.add[path] = content
        elif repo_files[path] == content:
            plan.same += 1
        else:
            plan.keep.append(path)
    if (repo / ".cruft.json").is_file():
        plan.remove.append(".cruft.json")
    return plan


def apply_plan(plan: Plan, *, use_stash: bool = False) -> str:
    """Commit the adoption in a separate worktree, then fast-forward the repo to it; returns the commit."""
    repo = plan.repo
    dirty = dirty_files(repo)
    if dirty and not use_stash:
        raise AdoptError(
            f"{repo} has uncommitted changes ({', '.join(dirty[:12])}); commit them or pass --stash "
            "(they are restored afterwards)"
        )
    stash_id = stash(repo, "paved-roads adopt") if dirty else None
    work = Path(tempfile.mkdtemp(prefix="paved-roads-adopt-")) / "tree"
    try:
        git(repo, "worktree", "add", "--quiet", "--detach", str(work), plan.head)
        for path, content in {**plan.add, ANSWERS_FILE: plan.answers_file}.items():
            target = work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        for path in plan.remove:
            (work / path).unlink()
        git(work, "add", "-A")
        message = f"Adopt the paved-roads template {plan.release.tag} ({plan.answers['pattern']})"
        git(work, "commit", "--quiet", "-m", message, "-m", plan.summary())
        commit = git(work, "rev-parse", "HEAD").strip()
        git(repo, "merge", "--quiet", "--ff-only", commit)
    except GitError as error:
        raise AdoptError(f"adoption not applied, {repo} is unchanged: {error}") from error
    finally:
        git(repo, "worktree", "remove", "--force", str(work), check=False)
        shutil.rmtree(work.parent, ignore_errors=True)
        if stash_id:
            problem = unstash(repo, stash_id)
            if problem:
                print(problem)
    return commit
