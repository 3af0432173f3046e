"""What the lab checkers read and run: the first commit, the learner's tests, the journal and results."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess  # noqa: S404 - runs git and this project's own pytest with fixed argument lists
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ... import ENV_PREFIX
from ..errors import LabFailed

RESULTS = Path("labs/results")
JOURNAL = Path("var/labs")


@dataclass
class LabResult:
    lab: int
    title: str
    passed: bool
    checked_at: str
    commit: str
    steps: list[str] = field(default_factory=list)  # what was verified, in order
    problem: str = ""  # the first thing still to do, when not passed
    digest: str = ""  # sha256 over the files the check read: changes after the check make it stale
    files: list[str] = field(default_factory=list)

    def write(self, root: Path) -> Path:
        path = root / RESULTS / f"week-{self.lab}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        return path


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def git(root: Path, *args: str) -> str | None:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)  # noqa: S603,S607
    return done.stdout if done.returncode == 0 else None


def head_commit(root: Path) -> str:
    return (git(root, "rev-parse", "--short", "HEAD") or "").strip()


def first_commit(root: Path) -> str:
    """The project's first commit: what `copier copy` generated, before any lab work."""
    roots = (git(root, "rev-list", "--max-parents=0", "HEAD") or "").split()
    if not roots:
        raise LabFailed("labs compare your work with the project's first commit: git init && git add -A && git commit")
    return roots[-1]


def file_at_start(root: Path, path: str) -> str | None:
    """`path` as the first commit had it (None when it did not exist)."""
    return git(root, "show", f"{first_commit(root)}:{path}")


def files_at_start(root: Path, folder: str) -> list[str]:
    listed = git(root, "ls-tree", "-r", "--name-only", first_commit(root), "--", folder) or ""
    return [line for line in listed.splitlines() if line]


def digest(root: Path, paths: list[str]) -> str:
    hasher = hashlib.sha256()
    for name in sorted(paths):
        path = root / name
        hasher.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)") + b"\0")
    return f"sha256:{hasher.hexdigest()}"  # prefixed: a bare hex digest reads as a secret to secret scanners


@contextmanager
def start_policies(root: Path, policies_dir: Path) -> Iterator[Path]:
    """A copy of the policies folder as the first commit had it (files added since then left out)."""
    with tempfile.TemporaryDirectory(prefix="lab-policies-") as folder:
        target = Path(folder)
        for path in policies_dir.iterdir():
            if path.is_file():
                original = file_at_start(root, path.relative_to(root).as_posix())
                if original is not None:
                    (target / path.name).write_text(original, encoding="utf-8")
        yield target


def run_learner_tests(root: Path, folder: Path, **settings: str) -> tuple[bool, str]:
    """Run the learner's tests in `folder` in a fresh process with `settings` (env, prefix added)."""
    with tempfile.TemporaryDirectory(prefix="lab-data-") as data:
        environment = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
        environment.update({f"{ENV_PREFIX}{key}": value for key, value in settings.items()})
        environment.setdefault(f"{ENV_PREFIX}DATA_DIR", data)
        done = subprocess.run(  # noqa: S603 - this interpreter's pytest on the learner's own lab folder
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", str(folder)],
            cwd=root,
            capture_output=True,
            text=True,
            env=environment,
            check=False,
            timeout=600,
        )
    lines = [line for line in (done.stdout + done.stderr).strip().splitlines() if not line.startswith("!!!")]
    reason = next((line.strip() for line in lines if line.startswith(("E ", "FAILED", "ERROR"))), "")
    return done.returncode == 0, "\n".join([reason, *lines[-12:]]) if reason else "\n".join(lines[-12:])


def read_journal(root: Path, lab: int) -> dict[str, Any]:
    path = root / JOURNAL / f"week-{lab}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_journal(root: Path, lab: int, journal: dict[str, Any]) -> None:
    path = root / JOURNAL / f"week-{lab}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(journal, indent=2) + "\n", encoding="utf-8")


def load_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabFailed(f"{path.as_posix()} is missing: it is this week's starting point") from None
    except yaml.YAMLError as error:
        raise LabFailed(f"{path.as_posix()} is not valid YAML: {str(error).splitlines()[0]}") from None


def todo_in(value: Any) -> bool:
    if isinstance(value, dict):
        return any(todo_in(item) for item in value.values())
    if isinstance(value, list):
        return any(todo_in(item) for item in value)
    return value is None or (isinstance(value, str) and ("TODO" in value or not value.strip()))
