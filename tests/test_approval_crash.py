"""Kill -9 between every step of the approval workflow: nothing lost, nothing done twice, no phantom record.

One approval-workflow project is generated and installed for the module. Two chains run in
parallel, each in its own data directory, each a fork server (tests/approval_crash_driver.py)
playing rounds of a scenario (a high-risk refund approved by two people, a medium one, a low one
the tier auto-approves, one rejected, the worker) and SIGKILLing its child at a chosen crash
point: before and after every database commit and audit append, before outbox pruning, after a
job is claimed, inside the executor, and during the recovery of the previous kill. Between them
the chains kill at every crash point of a round, plus points of recovery, over 100 times.

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
POINTS_PER_ROUND = 91  # crash points in one round of the scenario (the driver reports it; asserted below)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("crash")
    path = generate(folder / "project", data={"pattern": "approval-workflow", "risk_tier": "medium"})
    return path, installed(path), answers_of(path)["package_name"], folder


def chain(project, name: str, schedule: list[tuple[str, int, int]], defect: str = "") -> subprocess.Popen[str]:
    path, env, package, folder = project
    prefix = answers_of(path)["project_slug"].upper().replace("-", "_") + "_"
    workdir = folder / name
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    environ |= {
        f"{prefix}DATA_DIR": str(workdir / "var"),
        f"{prefix}APPROVAL_KNOWLEDGE_HYBRID": "false",  # BM25 evidence: no embedding model load per child
        f"{prefix}APPROVAL_WORKER_THREADS": "0",
        "CRASH_DEFECT": defect,
    }
    command = [str(env.bin / "python"), str(DRIVER), package, str(workdir), json.dumps(schedule)]
    return subprocess.Popen(command, cwd=path, env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def report(process: subprocess.Popen[str]) -> dict:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def test_kill_9_at_every_step_loses_nothing_and_does_nothing_twice(project) -> None:
    rounds = [("round", target, target) for target in range(POINTS_PER_ROUND)]
    recovery = [("recovery", target, POINTS_PER_ROUND + n) for n, target in enumerate(range(0, 60, 3))]
    schedule_a = [*rounds[0::2], *recovery[0::2], ("round", -1, 200)]  # -1: a last round without a kill
    schedule_b = [*rounds[1::2], *recovery[1::2], ("round", -1, 200)]
    schedule_b = [(phase, target, number) for phase, target, number in schedule_b]
    results = [report(process) for process in (chain(project, "a", schedule_a), chain(project, "b", schedule_b))]
    kills = sum(result["kills"] for result in results)
    assert kills >= 100, results
    for result in results:
        assert result["failures"] == [], result["failures"]
        assert max(result["points_in_completed_runs"]) == POINTS_PER_ROUND, "the scenario's crash points changed"
        for invariant in (
            "lost_decisions", "double_executions", "executions_without_record", "phantom_audit_records",
            "events_without_one_record", "wrong_end_state", "approved_but_unexecuted",
        ):  # fmt: skip
            assert result[invariant] == [], (invariant, result[invariant][:10])
        assert result["audit_ok"], result["audit_chain"]
    points = set().union(*(result["kills_by_point"] for result in results))
    assert {"before-commit", "after-commit", "before-audit-append", "after-audit-append", "before-prune",
            "after-claim-execute", "inside-executor"} <= points  # fmt: skip


@pytest.mark.parametrize(
    ("defect", "caught"),
    [("audit-before-commit", "phantom_audit_records"), ("no-execution-job", "approved_but_unexecuted")],
)
def test_the_harness_catches_the_bugs_it_exists_for(project, defect, caught) -> None:
    schedule = [("round", target, number) for number, target in enumerate(range(0, POINTS_PER_ROUND, 4))]
    result = report(chain(project, f"defect-{defect}", schedule, defect))
    assert result[caught], f"{defect}: the harness saw nothing: {result}"
