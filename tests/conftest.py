"""Fixtures for template tests: render projects from this checkout into tmp_path."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from paved_roads.generate import PATTERNS, TEMPLATE_ROOT, generate
from paved_roads.project_env import ProjectEnv

TIERS = ("low", "medium", "high")
PROVIDERS = ("local", "openai-compatible")

Render = Callable[..., Path]


@pytest.fixture(scope="session", autouse=True)
def git_identity() -> None:
    """Copier's update and our fixtures commit; CI machines may have no git identity."""
    for key, value in {
        "GIT_AUTHOR_NAME": "paved-roads tests",
        "GIT_AUTHOR_EMAIL": "tests@paved-roads.invalid",
        "GIT_COMMITTER_NAME": "paved-roads tests",
        "GIT_COMMITTER_EMAIL": "tests@paved-roads.invalid",
    }.items():
        os.environ.setdefault(key, value)


@pytest.fixture(scope="session")
def template_root() -> Path:
    return TEMPLATE_ROOT


@pytest.fixture
def render(tmp_path: Path) -> Render:
    """Render a project with defaults overridden by keyword answers; returns its folder."""

    counter = itertools.count()

    def _render(**data: Any) -> Path:
        destination = tmp_path / f"project-{next(counter)}"
        return generate(destination, data=data)

    return _render


def answers_of(project: Path) -> dict[str, Any]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def installed(project: Path) -> ProjectEnv:
    env = ProjectEnv(project)
    env.install()
    return env


__all__ = ["PATTERNS", "PROVIDERS", "TIERS", "answers_of", "installed"]
