"""`eval`, `gate` and `shadow`: the commands CI runs to produce evidence.

Placeholder wiring until the eval suite and gate land (issue 5).
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from .pattern import PatternHooks
from .runtime import Runtime


def add_gate_commands(
    app: typer.Typer,
    hooks: PatternHooks,
    *,
    open_runtime: Callable[[], Runtime],
    fail: Callable[[str], typer.Exit],
) -> None:
    @app.command("eval")
    def run_eval() -> None:
        """Run the golden eval set offline and compare with the baseline."""
        raise fail("eval suite not wired yet")

    @app.command()
    def gate() -> None:
        """Evaluate the risk-tier policies and write the evidence bundle."""
        raise fail("gate not wired yet")
