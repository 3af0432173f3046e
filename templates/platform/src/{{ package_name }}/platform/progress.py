"""Progress bars for long commands (ingest, eval, shadow): on a terminal only, gone when done.

    with progress_bar("eval") as advance:
        run(..., progress=advance)          # advance(done, total) after each step

When stderr is not a terminal (CI logs, pipes, tests) nothing is drawn and `advance` does nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Advance = Callable[[int, int], None]


@contextmanager
def progress_bar(label: str, unit: str = "") -> Iterator[Advance]:
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn(unit), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)
