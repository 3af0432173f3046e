"""An isolated virtualenv for one generated project, built with uv's shared cache.

uv links wheels from its cache, so the fortieth project of a test matrix installs
in about a second instead of re-downloading FastAPI and OpenTelemetry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


def uv_binary() -> str:
    """uv from this environment (a dependency of paved-roads) or PATH."""
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if not found:
            raise SystemExit("uv not found: pip install uv") from None
        return found


@dataclass(frozen=True)
class ProjectEnv:
    project: Path

    @property
    def venv(self) -> Path:
        return self.project / ".venv"

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def install(self, extras: str = "dev") -> None:
        """Create .venv and install the project editable with `extras`."""
        uv = uv_binary()
        env = {**os.environ, "VIRTUAL_ENV": str(self.venv)}
        env.pop("PYTHONPATH", None)
        subprocess.run(
            [uv, "venv", "--quiet", "--python", sys.executable, str(self.venv)], check=True, cwd=self.project, env=env
        )
        target = f".[{extras}]" if extras else "."
        subprocess.run(
            [uv, "pip", "install", "--quiet", "--python", str(self.bin / "python"), "-e", target],
            check=True,
            cwd=self.project,
            env=env,
        )

    def run(self, *args: str, check: bool = True, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
        """Run a command from the project's venv (first arg is a venv binary name) in the project folder."""
        command = [str(self.bin / args[0]), *args[1:]]
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
        environment.update(env)
        result = subprocess.run(
            command, cwd=self.project, capture_output=True, text=True, timeout=timeout, env=environment
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(args)} exited {result.returncode} in {self.project}\n"
                f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-6000:]}"
            )
        return result
