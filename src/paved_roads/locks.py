"""The platform's `requirements.lock`: every pattern's runtime dependencies, pinned with hashes.

The generated Dockerfile installs `requirements.lock` with `pip --require-hashes`, so a fresh
project builds the same image bytes for bytes until someone runs `make lock`. One lock serves all
patterns (the union of their dependencies: a pattern's image may carry a package another pattern
needs); a project's own `make lock` narrows it to that project. Refresh it with `paved-roads lock`
after changing a dependency in `templates/platform/pyproject.toml.jinja`.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import tomllib
from pathlib import Path

from .generate import PATTERNS, TEMPLATE_ROOT, generate
from .project_env import uv_binary

LOCK = TEMPLATE_ROOT / "templates" / "platform" / "requirements.lock"
# The same flags as the generated Makefile's `lock` target (tests/test_deploy.py keeps them equal).
COMPILE_FLAGS = (
    *("--quiet", "--universal", "--no-annotate", "--python-version", "3.11", "--generate-hashes"),
    *("--custom-compile-command", "make lock"),
)


def runtime_requirements(pyproject: Path) -> list[str]:
    """What the image installs: dependencies, the `postgres` extra and the build backend."""
    data = tomllib.loads(pyproject.read_text())
    project = data["project"]
    return [
        *project["dependencies"],
        *project.get("optional-dependencies", {}).get("postgres", []),
        *data["build-system"]["requires"],
    ]


def write_lock(lock: Path = LOCK) -> list[str]:
    """Render every pattern, compile the union of their runtime requirements into `lock`."""
    requirements: set[str] = set()
    with tempfile.TemporaryDirectory() as folder:
        for pattern in PATTERNS:
            project = generate(Path(folder) / pattern, data={"pattern": pattern})
            requirements.update(runtime_requirements(project / "pyproject.toml"))
        source = Path(folder) / "requirements.in"
        source.write_text("\n".join(sorted(requirements)) + "\n")
        subprocess.run([uv_binary(), "pip", "compile", *COMPILE_FLAGS, str(source), "-o", str(lock)], check=True)
    return sorted(requirements)


def pinned(lock: Path = LOCK) -> set[str]:
    """Normalised names of every package `lock` pins."""
    return {normal(name) for name in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock.read_text(), re.M)}


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
