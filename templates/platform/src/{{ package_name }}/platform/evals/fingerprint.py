"""A fingerprint of everything that can change an answer: model settings, prompts, data, code.

Eval results and shadow reports carry the fingerprint they ran under; the gate recomputes it, so
results produced before a prompt, a model setting, a dataset or the code changed are "stale" and
do not count as evidence for the change in front of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess  # noqa: S404 - `git ls-files`, fixed arguments
from pathlib import Path

from ..settings import Settings

_SKIP_PARTS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache"})
# Directories that never hold committed source: skipped when git cannot list tracked files.
UNTRACKED_DIRS = frozenset(
    {".git", ".venv", "venv", "var", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "build", "dist"}
)
# Project files that do not change an answer (or have a part of their own): everything else is "code".
_NOT_CODE_DIRS = frozenset({"tests", "docs", ".github", "evals", "prompts", "policies"})
_NOT_CODE_FILES = frozenset(
    {
        "README.md",
        "ACADEMY.md",
        "CODEOWNERS",
        "Makefile",
        "governance.yml",
        ".gitignore",
        ".pre-commit-config.yaml",
        ".copier-answers.yml",
        ".secrets.baseline",
    }
)


def project_files(root: Path) -> list[Path]:
    """Files that belong to the project: git's tracked files, else a walk that skips build output and data."""
    git = shutil.which("git")
    if git is not None and (root / ".git").exists():
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
        listed = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, "ls-files", "-z"], cwd=root, capture_output=True, text=True, env=env, check=False
        )
        if listed.returncode == 0 and listed.stdout:
            return sorted(root / name for name in listed.stdout.split("\0") if name and (root / name).is_file())
    files = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part in UNTRACKED_DIRS or part.endswith(".egg-info") for part in relative.parts):
            continue
        if path.is_file():
            files.append(path)
    return sorted(files)


def _is_code(root: Path, path: Path) -> bool:
    relative = path.relative_to(root)
    return relative.parts[0] not in _NOT_CODE_DIRS and (len(relative.parts) > 1 or relative.name not in _NOT_CODE_FILES)


def _counts(path: Path) -> bool:
    """Source files only: caches, bytecode and build metadata (`*.egg-info`) change without behaviour changing."""
    return path.suffix != ".pyc" and not any(part in _SKIP_PARTS or part.endswith(".egg-info") for part in path.parts)


def _digest_files(root: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and _counts(path):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def config_parts(settings: Settings) -> dict[str, str]:
    """One hash per source of behaviour, so a report can say *what* changed."""
    root = settings.project_root
    policies = settings.path(settings.policies_dir)
    model = {
        "model_provider": settings.model_provider,
        "model": settings.model,
        "embedding_model": settings.embedding_model,
        "openai_base_url": settings.openai_base_url if settings.model_provider != "local" else "",
        "prompt_versions": dict(sorted((getattr(settings, "prompt_versions", None) or {}).items())),
    }
    return {
        "model": hashlib.sha256(json.dumps(model, sort_keys=True).encode()).hexdigest(),
        "governance": _digest_files(root, [settings.path(settings.governance_file)]),
        "policies": _digest_files(root, [p for p in policies.glob("*.yml") if p.name != "waivers.yml"]),
        "prompts": _digest_files(root, list(settings.path(settings.prompts_dir).rglob("*.md"))),
        "datasets": _digest_files(root, list((settings.path(settings.evals_dir) / "datasets").glob("*"))),
        "code": _digest_files(root, [path for path in project_files(root) if _is_code(root, path)]),
    }


def config_fingerprint(settings: Settings, parts: dict[str, str] | None = None) -> str:
    parts = parts if parts is not None else config_parts(settings)
    return "sha256:" + hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def changed_parts(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """Names of the parts that differ, e.g. ["prompts", "code"]."""
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
