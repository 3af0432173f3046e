"""Command line: the platform commands plus `sources add`, `draft` and `export`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .demo import demo
from .evaluation import predict
from .platform.cli import build_cli, fail, open_runtime
from .platform.errors import ConfigError, Refused
from .platform.pattern import PatternHooks
from .records import CopilotError
from .schemas import DraftCreate, SourceCreate
from .service import CopilotService

CLI_ACTOR = "cli"
if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app() -> FastAPI:
    """The API, imported on demand: eval, gate and shadow start faster without the web stack."""
    from .api.main import create_app as create

    return create()


app = build_cli(PatternHooks(create_app=create_app, predict=predict, demo=demo))
sources = typer.Typer(help="Register and list source documents.", no_args_is_help=True)
app.add_typer(sources, name="sources")


def open_service() -> CopilotService:
    try:
        return CopilotService.from_runtime(open_runtime())
    except ConfigError as error:
        raise fail(str(error)) from error


@sources.command("add")
def add_source(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="UTF-8 text or Markdown file")],
    source_id: Annotated[str | None, typer.Option("--id", help="Source id (default: hash of the text)")] = None,
    title: Annotated[str | None, typer.Option(help="Title (default: file name)")] = None,
) -> None:
    """Register a document that drafts may cite."""
    service = open_service()
    try:
        body = SourceCreate(id=source_id, title=title or path.stem, text=path.read_text(encoding="utf-8"))
        source, created = service.register_source(body, actor=CLI_ACTOR)
    except (CopilotError, ValueError) as error:
        raise fail(getattr(error, "detail", str(error).splitlines()[0])) from error
    finally:
        service.runtime.close()
    typer.echo(f"{'registered' if created else 'unchanged'}: {source.id} ({len(source.text)} chars)")


@sources.command("list")
def list_sources() -> None:
    """List registered sources."""
    service = open_service()
    for source in service.sources():
        typer.echo(f"{source.id}  {len(source.text):>7} chars  {source.title}")
    service.runtime.close()


@app.command()
def draft(instruction: Annotated[str, typer.Argument(help="What to draft, e.g. 'the refunds section'")]) -> None:
    """Draft from all registered sources and print the draft id and its Markdown."""
    service = open_service()
    try:
        created = service.draft(DraftCreate(instruction=instruction), actor=CLI_ACTOR)
        typer.echo(f"draft {created.id}: {created.status}\n")
        typer.echo(service.export(created.id, "md", actor=CLI_ACTOR))
    except CopilotError as error:
        raise fail(error.detail) from error
    except Refused as error:
        raise fail(f"{error.control}: {error.reason}") from error
    finally:
        service.runtime.close()


@app.command()
def export(
    draft_id: str,
    export_format: Annotated[str, typer.Option("--format", help="md or json")] = "md",
) -> None:
    """Print a stored draft as Markdown with footnotes or as JSON."""
    if export_format not in ("md", "json"):
        raise fail(f"--format: {export_format!r} is not accepted; use md or json")
    service = open_service()
    try:
        exported = service.export(draft_id, "json" if export_format == "json" else "md", actor=CLI_ACTOR)
    except CopilotError as error:
        raise fail(error.detail) from error
    finally:
        service.runtime.close()
    typer.echo(exported if isinstance(exported, str) else json.dumps(exported, indent=2))
