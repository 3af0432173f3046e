"""Render a project from this checkout: the same call the README, tests and benchmarks use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from copier import run_copy

from .authoring.discovery import pattern_names

TEMPLATE_ROOT = Path(__file__).resolve().parents[2]
# Every pattern folder of this checkout (templates/<name>/), in copier.yml's order: nothing to edit when one is added.
PATTERNS = pattern_names(TEMPLATE_ROOT)


class AnswerError(ValueError):
    """A copier answer was refused; the message names the field."""


def generate(
    destination: Path,
    *,
    template: Path = TEMPLATE_ROOT,
    data: dict[str, Any] | None = None,
    vcs_ref: str | None = "HEAD",
) -> Path:
    """Copy a pattern with defaults for every answer not in `data`; returns the project path.

    `vcs_ref="HEAD"` renders the working tree as it is (uncommitted edits included),
    which is what a staff engineer changing the templates wants to see.
    """
    try:
        run_copy(
            str(template),
            str(destination),
            data=data or {},
            defaults=True,
            unsafe=True,
            quiet=True,
            vcs_ref=vcs_ref,
        )
    except ValueError as error:
        raise AnswerError(str(error)) from error
    return destination
