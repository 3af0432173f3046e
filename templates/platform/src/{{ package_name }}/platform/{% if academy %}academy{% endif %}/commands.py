"""`lab list` and `lab check N`: the course's commands (only in projects generated with academy on)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..pattern import PatternHooks
    from ..runtime import Runtime


def add_lab_commands(
    app: typer.Typer, hooks: PatternHooks, *, open_runtime: Callable[[], Runtime], fail: Callable[[str], typer.Exit]
) -> None:
    from ..cli import command_group

    lab = command_group("Foundations course labs (labs/): list them, check your work.")
    app.add_typer(lab, name="lab")

    @lab.command("list")
    def lab_list() -> None:
        """Every week's lab with its level, guild and your last result (labs/results/)."""
        import json

        from .checks import LABS
        from .workspace import RESULTS

        for week, spec in LABS.items():
            path = Path(RESULTS) / f"week-{week}.json"
            status = "not checked"
            if path.is_file():
                status = "passed" if json.loads(path.read_text(encoding="utf-8")).get("passed") else "not passed yet"
            typer.echo(f"week {week}  {spec.level:<9}  {spec.guild:<24}  {status:<13}  {spec.title}")

    @lab.command("check")
    def lab_check(week: Annotated[int, typer.Argument(help="Week of the lab, 0-6")]) -> None:
        """Verify this week's work for real; write labs/results/week-N.json; exit 1 naming what is left to do."""
        from ..errors import ConfigError, LabFailed
        from ..settings import get_settings
        from .checks import LABS, Context
        from .workspace import LabResult, digest, head_commit, now

        if week not in LABS:
            raise fail(f"week must be one of {', '.join(map(str, LABS))}, got {week}")
        spec, root = LABS[week], Path(".").resolve()
        context = Context(root, get_settings(), open_runtime, hooks)
        result = LabResult(week, spec.title, False, now(), head_commit(root))
        try:
            result.steps = spec.check(context)
            result.passed = True
        except LabFailed as problem:
            result.problem = str(problem)
        except (ConfigError, ValueError) as error:
            result.problem = str(error).splitlines()[0]
        # The lab's own files (labs/week-N/): `academy progress` shows the result as stale once they change.
        # Files later weeks legitimately change (governance.yml, the golden set) are not part of it.
        result.files = sorted(name for name in set(context.read) if name.startswith(f"labs/week-{week}/"))
        result.digest = digest(root, result.files)
        shown = result.write(root).relative_to(root)
        for step in result.steps:
            typer.echo(f"  ok  {step}")
        if not result.passed:
            raise fail(f"week {week} not passed yet: {result.problem} ({shown})")
        typer.echo(f"week {week} passed: {spec.title} ({shown}; commit it)")
