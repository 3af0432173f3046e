"""`paved-roads academy progress`: which learner of a cohort passed which Foundations lab.

```yaml
# cohort.yml
cohort: foundations-2026-q4
weeks: 7                    # labs 0..6 (default)
learners:
  - name: alice
    repo: ../alice-claims-rag             # a local checkout (its working tree is read)
  - name: bob
    repo: https://git.example.com/bob/copilot.git   # a git URL (its branch is read, shallow)
    branch: main
```

Each learner's `<slug> lab check N` writes `labs/results/week-N.json`: pass or not, what it verified,
and the digest of the lab's own files (`labs/week-N/`: the charter, the learner's tests, the candidate).
Progress reads those results and recomputes the digest: a result whose lab files changed since the
check is **stale** (the work moved on and was not checked again).
A result is what the learner's own checker wrote; CI (`make all` with the labs) or a reviewer reruns
`lab check` to confirm it.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .git_repo import is_git_url

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
LADDER = {"Associate": range(0, 4), "Senior": range(4, 7)}
GUILDS = {
    0: "Platform & Observability",
    1: "Evaluation & Safety",
    2: "Evaluation & Safety",
    3: "Platform & Observability",
    4: "Prompt & Retrieval",
    5: "Platform & Observability",
    6: "Prompt & Retrieval",
}


class CohortError(ValueError):
    """cohort.yml is wrong; the message names the field."""


@dataclass(frozen=True)
class Learner:
    name: str
    repo: str
    branch: str = "main"


@dataclass
class LabStatus:
    week: int
    state: str  # passed | failed | stale | not checked
    detail: str = ""
    checked_at: str = ""


@dataclass
class LearnerProgress:
    learner: Learner
    labs: list[LabStatus] = field(default_factory=list)
    error: str = ""

    @property
    def passed(self) -> int:
        return sum(lab.state == "passed" for lab in self.labs)

    @property
    def level(self) -> str:
        """The highest rung whose labs all passed ('-' before the first)."""
        reached = "-"
        for rung, weeks in LADDER.items():
            if all(week < len(self.labs) and self.labs[week].state == "passed" for week in weeks):
                reached = rung
            else:
                break
        return reached


def load_cohort(path: Path) -> tuple[str, int, list[Learner]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CohortError(f"cohort manifest not found: {path}") from error
    except yaml.YAMLError as error:
        raise CohortError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from error
    if not isinstance(data, dict) or not isinstance(data.get("learners"), list) or not data["learners"]:
        raise CohortError("cohort.yml: learners: a non-empty list of {name, repo} entries")
    unknown = sorted(set(data) - {"cohort", "weeks", "learners"})
    if unknown:
        raise CohortError(f"cohort.yml: {unknown[0]}: unknown setting (cohort, weeks, learners)")
    weeks = data.get("weeks", 7)
    if not isinstance(weeks, int) or not 1 <= weeks <= 7:
        raise CohortError(f"cohort.yml: weeks: a whole number of labs from 1 to 7, got {weeks!r}")
    learners, seen = [], set()
    for index, entry in enumerate(data["learners"]):
        where = f"cohort.yml: learners[{index}]"
        if not isinstance(entry, dict) or not entry.get("repo"):
            raise CohortError(f"{where}.repo: every learner needs a repo (local path or git URL)")
        extra = sorted(set(entry) - {"name", "repo", "branch"})
        if extra:
            raise CohortError(f"{where}.{extra[0]}: unknown setting (name, repo, branch)")
        repo = str(entry["repo"])
        if not is_git_url(repo):
            repo = str((path.parent / repo).resolve())
        name = str(entry.get("name") or Path(repo.rstrip("/")).name.removesuffix(".git"))
        if not NAME.match(name):
            raise CohortError(f"{where}.name: {name!r} must be letters, digits, dot, dash, underscore")
        if name in seen:
            raise CohortError(f"{where}.name: {name!r} appears twice")
        seen.add(name)
        learners.append(Learner(name, repo, str(entry.get("branch", "main"))))
    return str(data.get("cohort") or path.stem), weeks, learners


def _reader(learner: Learner, workdir: Path) -> Callable[[str], bytes | None]:
    """Read a file of the learner's repo: the working tree of a local checkout, or the branch of a git URL."""
    if not is_git_url(learner.repo):
        root = Path(learner.repo)
        if not root.is_dir():
            raise CohortError(f"{learner.name}: {root} is not a folder")
        return lambda name: (root / name).read_bytes() if (root / name).is_file() else None
    clone = workdir / "academy" / learner.name
    shutil.rmtree(clone, ignore_errors=True)
    command = ["git", "clone", "--quiet", "--depth", "1", "--branch", learner.branch, "--no-checkout"]
    done = subprocess.run([*command, learner.repo, str(clone)], capture_output=True, text=True)
    if done.returncode != 0:
        raise CohortError(f"{learner.name}: cannot read {learner.repo}: {done.stderr.strip()}")

    def read(name: str) -> bytes | None:
        shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=clone, capture_output=True)
        return shown.stdout if shown.returncode == 0 else None

    return read


def _digest(read: Callable[[str], bytes | None], names: list[str]) -> str:
    """The lab checker's digest (labs' workspace.digest), recomputed from the learner's files."""
    hasher = hashlib.sha256()
    for name in sorted(names):
        content = read(name)
        hasher.update(name.encode() + b"\0" + (content if content is not None else b"(missing)") + b"\0")
    return f"sha256:{hasher.hexdigest()}"


def learner_progress(learner: Learner, weeks: int, workdir: Path) -> LearnerProgress:
    progress = LearnerProgress(learner)
    try:
        read = _reader(learner, workdir)
    except CohortError as error:
        progress.error = str(error)
        progress.labs = [LabStatus(week, "not checked") for week in range(weeks)]
        return progress
    for week in range(weeks):
        raw = read(f"labs/results/week-{week}.json")
        if raw is None:
            progress.labs.append(LabStatus(week, "not checked"))
            continue
        try:
            result = json.loads(raw)
        except ValueError:
            progress.labs.append(LabStatus(week, "failed", "labs/results file is not JSON"))
            continue
        checked = str(result.get("checked_at", ""))
        if not result.get("passed"):
            progress.labs.append(LabStatus(week, "failed", str(result.get("problem", "")), checked))
        elif _digest(read, list(result.get("files") or [])) != result.get("digest"):
            detail = "files changed since the check: run `lab check` again"
            progress.labs.append(LabStatus(week, "stale", detail, checked))
        else:
            progress.labs.append(LabStatus(week, "passed", "; ".join(result.get("steps") or []), checked))
    return progress


def cohort_progress(path: Path, workdir: Path) -> tuple[str, int, list[LearnerProgress]]:
    cohort, weeks, learners = load_cohort(path)
    return cohort, weeks, [learner_progress(learner, weeks, workdir) for learner in learners]


MARKS = {"passed": "✅", "failed": "❌", "stale": "⚠️ stale", "not checked": "·"}


def markdown(cohort: str, weeks: int, rows: list[LearnerProgress]) -> str:
    head = "| learner | " + " | ".join(f"week {w}" for w in range(weeks)) + " | passed | level |"
    lines = [f"# Foundations cohort {cohort}", "", head, "|" + " --- |" * (weeks + 3)]
    for row in rows:
        cells = [MARKS[lab.state] for lab in row.labs]
        lines.append(f"| {row.learner.name} | " + " | ".join(cells) + f" | {row.passed}/{weeks} | {row.level} |")
    totals = [sum(row.labs[w].state == "passed" for row in rows) for w in range(weeks)]
    lines.append("| **passed** | " + " | ".join(f"{t}/{len(rows)}" for t in totals) + " | | |")
    lines += ["", "✅ passed · ❌ not passed yet · ⚠️ stale: files changed since the check · `·` not checked", ""]
    problems = [
        f"- {row.learner.name}, week {lab.week}: {lab.detail.splitlines()[0] if lab.detail else lab.state}"
        for row in rows
        for lab in row.labs
        if lab.state in ("failed", "stale")
    ]
    problems += [f"- {row.learner.name}: {row.error}" for row in rows if row.error]
    if problems:
        lines += ["## What is left", "", *problems, ""]
    return "\n".join(lines)


def render_html(cohort: str, weeks: int, rows: list[LearnerProgress]) -> str:
    colours = {"passed": "#c8e6c9", "failed": "#ffcdd2", "stale": "#fff3c4", "not checked": "#f5f5f5"}
    head = "".join(f"<th>week {w}<br><small>{html.escape(GUILDS[w])}</small></th>" for w in range(weeks))
    body = []
    for row in rows:
        cells = "".join(
            f'<td style="background:{colours[lab.state]}" title="{html.escape(lab.detail)}">'
            f"{html.escape(lab.state)}</td>"
            for lab in row.labs
        )
        error = f" <small>({html.escape(row.error)})</small>" if row.error else ""
        body.append(
            f"<tr><th>{html.escape(row.learner.name)}{error}</th>{cells}"
            f"<td>{row.passed}/{weeks}</td><td>{html.escape(row.level)}</td></tr>"
        )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>Foundations cohort {html.escape(cohort)}</title>"
        "<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:.4em .6em;text-align:center}th{background:#fafafa}</style>"
        f"<h1>Foundations cohort {html.escape(cohort)}</h1>"
        f"<table><tr><th>learner</th>{head}<th>passed</th><th>level</th></tr>{''.join(body)}</table>"
        "<p>Hover a cell for what the check verified or what is left. Stale: the files the check read changed "
        "since; the learner runs <code>lab check</code> again.</p></html>\n"
    )


def write_progress(cohort: str, weeks: int, rows: list[LearnerProgress], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "cohort-progress.md", out / "cohort-progress.html"]
    written[0].write_text(markdown(cohort, weeks, rows), encoding="utf-8")
    written[1].write_text(render_html(cohort, weeks, rows), encoding="utf-8")
    return written
