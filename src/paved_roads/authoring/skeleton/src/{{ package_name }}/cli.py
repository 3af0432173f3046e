"""__PATTERN_TITLE__ command line: platform commands plus `history`.

The hooks are named, not imported (`PatternHooks.lazy`): `--help` and the platform commands start
without loading the web stack, and the service is imported inside the commands that need it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .platform.cli import build_cli, open_runtime
from .platform.pattern import PatternHooks

if TYPE_CHECKING:  # the runtime and the service load inside the commands: `--help` stays fast
    from .platform.runtime import Runtime


def open_stores(runtime: Runtime) -> None:
    """Open (and so migrate) the answers store for `migrate`."""
    from .service import AnswerService

    AnswerService.from_runtime(runtime).close()


app = build_cli(PatternHooks.lazy(__package__, open_stores=open_stores))


@app.command()
def history(limit: Annotated[int, typer.Option(min=1, max=500, help="How many answers to list")] = 20) -> None:
    """List the newest answers: id, time, whether it was refused, and the sources it cites."""
    from .service import AnswerService

    runtime = open_runtime()
    try:
        answers = AnswerService.from_runtime(runtime).newest(limit)
        for answer in answers:
            status = "refused " if answer.refused else "answered"
            typer.echo(f"{answer.id}  {answer.created_at}  {status}  {', '.join(answer.cited) or '-'}")
        typer.echo(f"{len(answers)} answer(s)")
    finally:
        runtime.close()
