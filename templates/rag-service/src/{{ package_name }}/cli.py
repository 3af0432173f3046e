"""Command line: the platform commands plus `ingest` and `ask`.

Heavy modules (the service, the index, embeddings, the web stack) are imported inside the command
that needs them, so `--help` and the platform commands start without paying for them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .platform.cli import build_cli, fail, open_runtime
from .platform.errors import ConfigError, Refused
from .platform.pattern import PatternHooks

if TYPE_CHECKING:
    from .platform.runtime import Runtime
    from .service import RagService


def open_stores(runtime: Runtime) -> None:
    """Open (and so migrate) the knowledge index for `migrate`."""
    from .service import RagService

    RagService.from_runtime(runtime).close()


app = build_cli(PatternHooks.lazy(__package__, open_stores=open_stores))


def open_service() -> RagService:
    from .service import RagService

    try:
        return RagService.from_runtime(open_runtime())
    except (ConfigError, ValueError) as error:
        raise fail(str(error).splitlines()[0]) from error


@app.command()
def ingest(
    folder: Annotated[
        Path | None, typer.Argument(help="Folder of .md/.txt/.html/.pdf files (default: RAG_CORPUS_DIR)")
    ] = None,
    prune: Annotated[bool, typer.Option(help="Delete documents whose file is gone from the folder")] = True,
    force: Annotated[bool, typer.Option(help="Re-index unchanged documents too")] = False,
) -> None:
    """Ingest a folder incrementally; bad files are named and skipped, the rest lands (exit 1 if any failed)."""
    from .config import get_rag_settings
    from .platform.progress import progress_bar

    service = open_service()
    try:
        with progress_bar("ingest", "files") as advance:
            report = service.ingest_folder(
                folder or get_rag_settings().corpus_dir, prune=prune, force=force, progress=advance
            )
    except FileNotFoundError as error:
        raise fail(str(error)) from error
    finally:
        service.close()
        service.runtime.close()
    for name, reason in report.failed.items():
        typer.secho(f"skipped {name}: {reason}", fg=typer.colors.YELLOW, err=True)
    for duplicate, original in report.duplicates.items():
        typer.echo(f"duplicate {duplicate}: same text as {original}, not indexed twice")
    if report.ignored:
        typer.echo(f"ignored (unsupported type): {', '.join(report.ignored)}")
    typer.echo(report.summary())
    typer.echo(f"{report.files} files in {report.seconds:.1f} s ({report.files_per_s:,.0f} documents/s)")
    if report.failed:
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question")],
    clearance: Annotated[
        str, typer.Option(help="Ask as a caller with this clearance: public, internal, confidential, restricted")
    ] = "internal",
) -> None:
    """Ask one question from the command line and print the cited answer."""
    if not question.strip():  # before anything loads: a typo costs nothing
        raise fail('ask: the question is empty; pass it in quotes, e.g. ask "How do refunds work?"')
    from .demo import show
    from .platform.auth import CLEARANCES, Caller

    if clearance not in CLEARANCES:
        raise fail(f"--clearance must be one of {', '.join(CLEARANCES)}")
    service = open_service()
    try:
        show(service.ask(question, Caller("cli", frozenset({"query"}), clearance)))
    except Refused as refusal:
        raise fail(f"refused by {refusal.control}: {refusal.reason}") from refusal
    finally:
        service.close()
        service.runtime.close()
