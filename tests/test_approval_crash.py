"""Kill -9 between every step of the approval workflow: nothing lost, nothing done twice, no phantom record.

One approval-workflow project is generated and installed for the module. Two chains run in
parallel, each in its own data directory, each a fork server (tests/approval_crash_driver.py)
playing rounds of a scenario (a high-risk refund approved by two people, a medium one, a low one
the tier auto-approves, one rejected, the worker) and SIGKILLing its child at a chosen crash
point: before and after every database commit and audit append, before outbox pruning, after a
job is claimed, inside the executor, and during the recovery of the previous kill. One chain
executes inline (the default), the other leaves execution to the worker; each kills once at every
crash point of its round, plus points of recovery: 164 kills.

The same harness with a bug put back (audit records written before the commit; execution left
to the caller) reports what it exists to catch, so a clean report is not a harness that sees nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import answers_of, installed

from paved_roads.generate import generate

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).with_name("approval_crash_driver.py")
# Crash points in one round of the scenario (the driver reports the count; asserted below): the approving
# request executes inline (the default), or `APPROVAL_EXECUTE_INLINE=false` leaves execution to the worker.
POINTS_INLINE, POINTS_WORKER = 67, 85


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("crash")
    path = generate(folder / "project", data={"pattern": "approval-workflow", "risk_tier": "medium"})
    return path, installed(path), answers_of(path)["package_name"], folder


def chain(
    project, name: str, schedule: list[tuple[str, int, int]], defect: str = "", **settings: str
) -> subprocess.Popen[str]:
    path, env, package, folder = project
    prefix = answers_of(path)["project_slug"].upper().replace("-", "_") + "_"
    workdir = folder / name
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    environ |= {
        f"{prefix}DATA_DIR": str(workdir / "var"),
        f"{prefix}APPROVAL_KNOWLEDGE_HYBRID": "false",  # BM25 evidence: no embedding model load per child
        f"{prefix}APPROVAL_WORKER_THREADS": "0",
        "CRASH_DEFECT": defect,
        **{f"{prefix}{key}": value for key, value in settings.items()},
    }
    command = [str(env.bin / "python"), str(DRIVER), package, str(workdir), json.dumps(schedule)]
    return subprocess.Popen(command, cwd=path, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def report(process: subprocess.Popen[str]) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def schedule(points: int) -> list[tuple[str, int, int]]:
    """Every crash point of a round once, then kills during recovery, then one round without a kill."""
    rounds = [("round", target, target) for target in range(points)]
    recovery = [("recovery", target, points + n) for n, target in enumerate(range(0, 60, 10))]
    return [*rounds, *recovery, ("round", -1, points + len(recovery))]


def test_kill_9_at_every_step_loses_nothing_and_does_nothing_twice(project) -> None:
    chains = {
        "inline": (chain(project, "inline", schedule(POINTS_INLINE)), POINTS_INLINE),
        "worker": (chain(project, "worker", schedule(POINTS_WORKER), APPROVAL_EXECUTE_INLINE="false"), POINTS_WORKER),
    }
    results = {name: (report(process), points) for name, (process, points) in chains.items()}
    kills = sum(result["kills"] for result, _ in results.values())
    assert kills >= 100, results
    for name, (result, points) in results.items():
        assert result["failures"] == [], (name, result["failures"])
        assert max(result["points_in_completed_runs"]) == points, f"{name}: the scenario's crash points changed"
        for invariant in (
            "lost_decisions", "double_executions", "executions_without_record", "phantom_audit_records",
            "events_without_one_record", "wrong_end_state", "approved_but_unexecuted",
        ):  # fmt: skip
            assert result[invariant] == [], (name, invariant, result[invariant][:10])
        assert result["audit_ok"], (name, result["audit_chain"])
    points = set().union(*(result["kills_by_point"] for result, _ in results.values()))
    assert {"before-commit", "after-commit", "before-audit-append", "after-audit-append", "before-prune",
            "after-claim-execute", "inside-executor"} <= points  # fmt: skip


@pytest.mark.parametrize(
    ("defect", "caught"),
    [("audit-before-commit", "phantom_audit_records"), ("no-execution-job", "approved_but_unexecuted")],
)
def test_the_harness_catches_the_bugs_it_exists_for(project, defect, caught) -> None:
    kills = [("round", target, number) for number, target in enumerate(range(0, POINTS_INLINE, 4))]
    result = report(chain(project, f"defect-{defect}", kills, defect))
    assert result[caught], f"{defect}: the harness saw nothing: {result}"
