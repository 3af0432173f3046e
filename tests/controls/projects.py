"""Generated projects for the controls-that-bite suite: one clean project per tier, cheap copies to break.

A clean project is what a team has after doing the work its tier asks for: generated from a
tagged template, committed, tests and evals run, a shadow test, a filled-in rollback plan
(medium+) and two independent owner reviews (high), signed with the owners' real SSH keys (listed
in `policies/allowed_signers`; the author's and an outsider's keys exist too, for forgeries). Each
defect test copies it (without its virtualenv: the copy runs with the clean project's interpreter
and its own `src/` first on PYTHONPATH), injects one defect, and runs the copy's gate.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from patterns import defect_host

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv

TEMPLATE_VERSION = "v1.0.0"
AUTHOR = "@feature-dev"  # the change author: not an owner, so owner reviews are independent
OUTSIDER = "@mallory"  # neither author nor owner
OWNERS = {
    "low": ["@acme/feature-lead"],
    "medium": ["@acme/feature-lead"],
    "high": ["@acme/feature-lead", "@acme/reviewer"],
}
# A test subset that exercises the JUnit path quickly; the full suites run in test_generated_projects.
TEST_SUBSET = ["tests/platform/test_assets.py"]
FILLED_ROLLBACK_PLAN = """# Rollback plan

- **Trigger**: eval regression beyond tolerance on main, guard block rate above 5 % for 15 minutes, or a spend anomaly.
- **How**: pin the previous prompt with PROMPT_VERSIONS and redeploy the previous release tag.
- **Data**: records written by the new version stay; the audit log is append-only and never rolled back.
- **Owner**: the feature lead decides, the on-call engineer executes.
- **Tested on**: 2026-01-15, in staging.
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


def snapshot_template(source: Path, destination: Path, tag: str = TEMPLATE_VERSION) -> Path:
    """A git repo holding this checkout's files (symlinks kept, uncommitted edits included), tagged."""
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        origin, target = source / name, destination / name
        if not origin.exists() and not origin.is_symlink():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_symlink():
            target.symlink_to(origin.readlink())
        else:
            shutil.copy2(origin, target)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "template")
    git(destination, "tag", tag)
    return destination


@dataclass
class Project:
    """A generated project and the interpreter (with its dependencies) that runs it."""

    path: Path
    python: Path
    slug: str
    package: str
    keys: dict[str, Path] = field(default_factory=dict)  # handle -> private SSH key (outside the project)

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        """`python -m <package> <args>` in this project, importing this project's own `src/`."""
        return self._exec([str(self.python), "-m", self.package, *args], check=check, **env)

    def python_code(self, code: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._exec([str(self.python), "-c", code], check=check)

    def pytest(self, *paths: str) -> subprocess.CompletedProcess[str]:
        """Run tests writing the JUnit file the gate reads; failures are the caller's business."""
        args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=var/test-results.xml", *paths]
        return self._exec([str(self.python), *args], check=False)

    def gate(self) -> subprocess.CompletedProcess[str]:
        return self.run("gate", check=False)

    def _exec(self, command: list[str], *, check: bool, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
        environment |= {
            "PYTHONPATH": str(self.path / "src"),
            "CHANGE_AUTHOR": AUTHOR,
            "no_proxy": "*",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            **env,
        }
        done = subprocess.run(command, cwd=self.path, capture_output=True, text=True, env=environment, timeout=600)
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(command[1:])} exited {done.returncode} in {self.path}\n{output(done)}")
        return done

    def copy(self, destination: Path) -> Project:
        """A copy to break: same files, git history and var/ (evals, audit log, ledger), no virtualenv."""
        shutil.copytree(self.path, destination, symlinks=True, ignore=shutil.ignore_patterns(".venv"))
        return Project(destination, self.python, self.slug, self.package, self.keys)

    # -- editing helpers used by defect injections --------------------------------------------

    def governance(self) -> dict:
        return yaml.safe_load((self.path / "governance.yml").read_text())

    def write_governance(self, data: dict) -> None:
        (self.path / "governance.yml").write_text(yaml.safe_dump(data, sort_keys=False))

    def commit(self, message: str) -> None:
        git(self.path, "add", "-A")
        git(self.path, "commit", "-q", "-m", message)

    def reviews(self) -> list[Path]:
        return sorted((self.path / "docs" / "reviews").glob("*.yml"))

    def audit_db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path / "var" / "audit.sqlite3")


def ssh_keypair(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / name.strip("@").replace("/", "-")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


def ssh_sign(message: bytes, key: Path) -> bytes:
    """`ssh-keygen -Y sign` in the review namespace: what anyone holding `key` can do."""
    done = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", "paved-roads-review"],
        input=message,
        capture_output=True,
        check=True,
    )
    return done.stdout


def output(done: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout ---\n{done.stdout[-6000:]}\n--- stderr ---\n{done.stderr[-3000:]}"


def build_clean_project(
    template: Path,
    destination: Path,
    tier: str,
    *,
    pattern: str | None = None,
    python: Path | None = None,
    tests: tuple[str, ...] = tuple(TEST_SUBSET),
) -> Project:
    """Generate, install and bring a project to the state its tier's gate accepts.

    `pattern` defaults to the one hosting the tier's defect tests (its template_tests.yml says so).
    `python`: an interpreter that already has the pattern's dependencies (a project of the same pattern
    installed earlier); the project's own `src/` comes first on its path, so nothing is installed again.
    """
    pattern = pattern or defect_host(tier)
    generate(
        destination,
        template=template,
        vcs_ref=TEMPLATE_VERSION,
        data={"pattern": pattern, "risk_tier": tier, "owners": OWNERS[tier]},
    )
    if python is None:
        env = ProjectEnv(destination)
        env.install()
        python = env.bin / "python"
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    project = Project(destination, python, answers["project_slug"], answers["package_name"])
    git(destination, "init", "-q", "-b", "main")
    git(destination, "config", "user.email", "feature-dev@example.invalid")
    git(destination, "config", "user.name", "Feature Dev")
    if tier != "low":
        (destination / "docs" / "rollback-plan.md").write_text(FILLED_ROLLBACK_PLAN)
    if tier == "high":
        folder = destination.parent / f"{destination.name}-keys"
        project.keys = {handle: ssh_keypair(folder, handle) for handle in [*OWNERS[tier], AUTHOR, OUTSIDER]}
        signers = destination / "policies" / "allowed_signers"
        lines = [
            f"{owner} {' '.join(project.keys[owner].with_suffix('.pub').read_text().split()[:2])}\n"
            for owner in OWNERS[tier]
        ]
        signers.write_text(signers.read_text() + "".join(lines))
    baseline_missing = not (destination / "evals" / "baseline.json").is_file()
    project.commit("generated from paved-roads")
    done = project.pytest(*tests)
    assert done.returncode == 0, output(done)
    project.run("eval", *(["--update-baseline"] if baseline_missing else []))
    if baseline_missing:
        project.commit("accept the first eval baseline")
    project.run("shadow")
    if tier == "high":
        for reviewer in OWNERS["high"]:
            key = str(project.keys[reviewer])
            project.run(
                "review", "--reviewer", reviewer, "--key", key, "--note", "checked evals, shadow and rollback plan"
            )
        project.commit("record owner reviews")
    return project
