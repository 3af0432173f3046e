"""copilot-evidence template: the served API documents every response it sends, and fuzzing finds no 5xx.

A project made with default answers is installed in its own virtualenv, its sample library registered
and a brief drafted, then schemathesis fuzzes the running HTTP service on 127.0.0.1 with the response
checks on: no server error, every status code, content type and body as the OpenAPI schema says.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request

import pytest
from browser import served
from conftest import answers_of

from paved_roads.project_env import ProjectEnv, uv_binary

FUZZ_KEY = "fuzz-key-0123456789abcdef"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"

pytestmark = pytest.mark.slow


def request(url: str, body: bytes | None, headers: dict[str, str], method: str = "POST") -> tuple[int, dict]:
    call = urllib.request.Request(url, data=body, headers=headers, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(call, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_schemathesis_finds_no_server_error_and_no_schema_violation(render, tmp_path) -> None:
    project = render(pattern="copilot-evidence")
    env = ProjectEnv(project)
    env.install()
    subprocess.run(
        [uv_binary(), "pip", "install", "--quiet", "--python", str(env.bin / "python"), "schemathesis>=4.0"],
        check=True,
        cwd=project,
    )
    slug = answers_of(project)["project_slug"]
    env.run(slug, "sources", "add", "sample/library", "--classification", "public")
    clients = {
        "fuzz": {
            "key": FUZZ_KEY,
            "scopes": ["query", "ingest", "approve", "admin"],
            "clearance": "restricted",
            "rate_per_minute": 1_000_000,
        }
    }
    prefix = slug.upper().replace("-", "_") + "_"
    environ = {f"{prefix}API_CLIENTS": json.dumps(clients), "no_proxy": "*"}
    with served(env, slug, environ, tmp_path / "serve.log") as base:
        auth = {"Authorization": f"Bearer {FUZZ_KEY}", "Content-Type": "application/json"}
        status, brief = request(f"{base}/briefs/import", (project / "sample" / "brief.md").read_bytes(),
                                {**auth, "Content-Type": "text/markdown"})  # fmt: skip
        assert status == 201, brief
        status, draft = request(f"{base}/drafts", json.dumps({"brief_id": brief["id"]}).encode(), auth)
        assert status == 201, draft
        for path, body, wanted in [
            ("/briefs", b'{"title": "x", "requirements": []}', 422),
            ("/briefs", b"{not json", 422),
            ("/drafts", b'{"brief_id": "brief_nope"}', 404),
            ("/sources", b'{"title": "x", "text": "y", "classification": "secret"}', 422),
            (f"/drafts/{draft['id']}/claims/{draft['claims'][0]['id']}/review", b'{"action": "edit"}', 422),
        ]:
            status, payload = request(base + path, body, auth)
            assert status == wanted, (path, status, payload)
            assert set(payload) == {"error", "detail"} and payload["detail"], payload
        fuzz = env.run(
            "schemathesis",
            "run",
            f"{base}/openapi.json",
            "--header",
            f"Authorization: Bearer {FUZZ_KEY}",
            "--checks",
            CHECKS,
            "--max-examples",
            "40",
            "--max-time",
            "120",
            "--workers",
            "2",
            "--seed",
            "1",
            check=False,
            timeout=400,
        )
    failures = re.findall(r"(ST\d{3}) [^\n:]*: (\d+)", fuzz.stdout)
    assert not failures, fuzz.stdout[-8000:]  # server errors, undocumented statuses, content types or bodies
    summary = fuzz.stdout.strip().splitlines()[-1]
    assert "generated" in fuzz.stdout and "failures" not in summary, fuzz.stdout[-3000:]
    if fuzz.returncode != 0:  # only schemathesis' own generator may have errored, never a check on our API
        assert "errors" in summary and "site-packages/schemathesis/" in fuzz.stdout, fuzz.stdout[-8000:]
