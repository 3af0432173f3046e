"""Every pattern's served API: bad input gets a readable 4xx, and schemathesis finds no server error.

For each pattern folder, a project made with default answers is installed in its own virtualenv,
its sample data loaded (`fuzz.setup` in the pattern's template_tests.yml), served on 127.0.0.1, sent
the requests it must refuse (`fuzz.requests` / `bad_requests`: each a 4xx with exactly the platform's
`{"error", "detail"}` body), then fuzzed by schemathesis with the pattern's checks (default: no server
error, and every status code, content type and body as the OpenAPI schema says).
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from browser import served
from conftest import PATTERNS, answers_of
from patterns import Fuzz, Request, pattern_tests

from paved_roads.project_env import ProjectEnv, uv_binary

FUZZ_KEY = "fuzz-key-0123456789abcdef"
SAVED = re.compile(r"\$\{([\w-]+(?:\.[\w-]+)*)\}")


def send(base: str, request: Request, project: Path, saved: dict[str, Any]) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {FUZZ_KEY}", "Content-Type": request.content_type, **request.headers}
    if request.file is not None:
        body: bytes | None = (project / request.file).read_bytes()
    elif isinstance(request.body, bytes):
        body = request.body
    else:
        body = None if request.body is None else fill(request.body, saved).encode()
    call = urllib.request.Request(base + fill(request.path, saved), data=body, headers=headers, method=request.method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(call, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def fill(text: str, saved: dict[str, Any]) -> str:
    """`${draft.claims.0.id}` -> that field of the answer saved as `draft`."""

    def value(match: re.Match[str]) -> str:
        found: Any = saved
        for key in match.group(1).split("."):
            found = found[int(key)] if isinstance(found, list) else found[key]
        return str(found)

    return SAVED.sub(value, text)


def test_fill_reads_saved_answers() -> None:
    saved = {"draft": {"id": "d1", "claims": [{"id": "c1"}]}}
    assert fill('/drafts/${draft.id}/claims/${draft.claims.0.id} {"x": 1}', saved) == '/drafts/d1/claims/c1 {"x": 1}'


@pytest.mark.slow
@pytest.mark.parametrize("pattern", PATTERNS)
def test_served_api_refuses_bad_input_readably_and_fuzzing_finds_no_server_error(
    render, tmp_path: Path, pattern: str
) -> None:
    check_served_api(render(pattern=pattern), pattern_tests(pattern).fuzz, tmp_path / "serve.log")


def check_served_api(project: Path, fuzz: Fuzz, log: Path) -> None:
    """Install `project` with schemathesis, load its data, serve it, send `fuzz.requests`, then fuzz it."""
    env = ProjectEnv(project)
    env.install()
    python = str(env.bin / "python")
    subprocess.run([uv_binary(), "pip", "install", "--quiet", "--python", python, "schemathesis>=4.0"], check=True)
    slug = answers_of(project)["project_slug"]
    for step in fuzz.setup:
        env.run(slug, *step)
    clients = {"fuzz": {"key": FUZZ_KEY, "scopes": list(fuzz.scopes), "clearance": "restricted"} | {
        "rate_per_minute": 1_000_000
    }}  # fmt: skip
    environ = {f"{slug.upper().replace('-', '_')}_API_CLIENTS": json.dumps(clients), "no_proxy": "*"}
    saved: dict[str, Any] = {}
    with served(env, slug, environ, log) as base:
        for request in fuzz.requests:
            status, payload = send(base, request, project, saved)
            where = f"{request.method} {request.path} {request.body!r} {request.file or ''}"
            if request.save:
                assert status == (request.status or 200), (where, status, payload)
                saved[request.save] = payload
                continue
            wanted = status == request.status if request.status else 400 <= status < 500
            assert wanted, (where, status, payload)
            assert isinstance(payload, dict) and set(payload) == {"error", "detail"} and payload["detail"], payload
        limits = ["--max-time", str(fuzz.max_time_s)]
        if fuzz.max_examples:
            limits += ["--max-examples", str(fuzz.max_examples)]
        done = env.run(
            "schemathesis", "run", f"{base}/openapi.json", "--header", f"Authorization: Bearer {FUZZ_KEY}",
            "--checks", ",".join(fuzz.checks), *limits, "--workers", str(fuzz.workers), "--seed", "1",
            check=False, timeout=fuzz.max_time_s + 300,
        )  # fmt: skip
    failures = re.findall(r"(ST\d{3}) [^\n:]*: (\d+)", done.stdout)
    assert not failures, done.stdout[-8000:]  # server errors, undocumented statuses, content types or bodies
    summary = done.stdout.strip().splitlines()[-1]
    assert "generated" in done.stdout and "failures" not in summary, done.stdout[-3000:]
    if done.returncode != 0:  # only schemathesis' own generator may have errored, never a check on our API
        assert "errors" in summary and "site-packages/schemathesis/" in done.stdout, done.stdout[-8000:]
