"""Helpers for the real-browser tests: headless Debian Chromium driven by Playwright, and a served project.

Playwright's own browser download cannot run here, so tests drive the system `chromium`
(installed by `.ci/run` with apt). Locally a missing browser or package skips with the
reason; under CI (`CI` set) it fails instead, so a broken install can never hide as a skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from paved_roads.project_env import ProjectEnv

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-proxy-server",  # the served project is on 127.0.0.1; never route it through a proxy from the environment
]
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


def require_chromium() -> str:
    """Path of the system Chromium, once Playwright imports; skip (locally) or fail (CI) if either is missing."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    executable = shutil.which("chromium")
    if executable is None:
        missing.append("a `chromium` binary on PATH (apt-get install chromium)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs both, so this is a CI set-up failure", pytrace=False)
        pytest.skip(reason)
    assert executable is not None
    return executable


def launch_chromium(playwright: Any, executable: str) -> Any:
    """A headless Chromium from the system package (never Playwright's downloaded build)."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS, timeout=30_000)


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 (closed again for the server to bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _healthy(url: str) -> bool:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy for 127.0.0.1
    try:
        with opener.open(f"{url}/healthz", timeout=1.0) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def served(env: ProjectEnv, slug: str, environ: dict[str, str], log: Path, attempts: int = 3) -> Iterator[str]:
    """Run `<slug> serve` from the project's venv on a free port; yield its base URL, stop it on exit.

    The port is free when chosen but may be taken before uvicorn binds it, so a server that
    exits before answering /healthz is retried on a new port; its log is kept in `log`.
    """
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    for attempt in range(1, attempts + 1):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with log.open("w") as log_file:
            process = subprocess.Popen(
                [str(env.bin / slug), "serve", "--host", "127.0.0.1", "--port", str(port)],
                cwd=env.project,
                env={**base_env, **environ},
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if process.poll() is not None:
                    break
                if time.monotonic() > deadline:
                    pytest.fail(f"{slug} serve did not answer /healthz in {START_TIMEOUT_S:.0f}s:\n{log.read_text()}")
                time.sleep(0.1)
            else:
                yield url
                return
        finally:
            _stop(process)
        if "address already in use" not in log.read_text().lower() or attempt == attempts:
            pytest.fail(f"{slug} serve exited with {process.returncode} before /healthz:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)
