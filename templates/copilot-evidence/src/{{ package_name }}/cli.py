"""Command line: the platform commands plus `sources add`, `brief import`, `draft`, `export` and `verify`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .brief import DOCX_MEDIA_TYPE
from .platform.cli import build_cli, command_group, fail, open_runtime
from .platform.errors import ApiError, ConfigError, Refused
from .platform.pattern import PatternHooks

CLI_ACTOR = "cli"
CLI_CLEARANCE = "restricted"  # the shell user owns the data directory and sees the whole library
BRIEF_TYPES = {".md": "text/markdown", ".markdown": "text/markdown", ".csv": "text/csv", ".docx": DOCX_MEDIA_TYPE}
if TYPE_CHECKING:  # the service and its schemas load inside the commands: `--help` stays fast
    from .platform.runtime import Runtime
    from .service import CopilotService


def open_stores(runtime: Runtime) -> None:
    """Open (and so migrate) the evidence ledger for `migrate`."""
    from .service import CopilotService

    CopilotService.from_runtime(runtime)


app = build_cli(PatternHooks.lazy(__package__, open_stores=open_stores))
sources = command_group("Register and list library documents.")
brief_app = command_group("Import and show briefs (the requirements a draft answers).")
app.add_typer(sources, name="sources")
app.add_typer(brief_app, name="brief")


def close(service: CopilotService) -> None:
    service.close()
    service.runtime.close()


def open_service() -> CopilotService:
    from .service import CopilotService

    try:
        return CopilotService.from_runtime(open_runtime())
    except ConfigError as error:
        raise fail(str(error)) from error


@sources.command("add")
def add_source(
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="PDF, DOCX, Markdown, HTML or text files, or folders")
    ],
    classification: Annotated[str, typer.Option(help="public, internal, confidential or restricted")] = "internal",
) -> None:
    """Register documents under their file names (a changed file becomes a new version; drafts citing the
    old one turn stale)."""
    from .platform.knowledge.ingest.parsers import FORMATS
    from .records import CLASSIFICATIONS

    if classification not in CLASSIFICATIONS:
        raise fail(f"--classification: {classification!r} is not one of {', '.join(CLASSIFICATIONS)}")
    files = [p for path in paths for p in (sorted(path.rglob("*")) if path.is_dir() else [path]) if p.is_file()]
    service = open_service()
    try:
        for file in files:
            if file.suffix.lower() not in FORMATS:
                typer.echo(f"skipped: {file} (not one of {', '.join(sorted(FORMATS))})")
                continue
            source, created = service.register_file(file, classification=classification, actor=CLI_ACTOR)
            typer.echo(f"{'registered' if created else 'unchanged'}: {source.id} ({len(source.text)} chars)")
    except ApiError as error:
        raise fail(error.detail) from error
    finally:
        close(service)


@sources.command("list")
def list_sources() -> None:
    """List the newest version of every document."""
    service = open_service()
    for source in service.sources():
        typer.echo(f"{source.id}  {source.version[:12]}  {len(source.text):>7} chars  {source.title}")
    close(service)


@brief_app.command("import")
def import_brief(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="brief as .md, .csv or .docx")],
    title: Annotated[str, typer.Option(help="default: the brief's own title")] = "",
) -> None:
    """Import a brief and print its id and requirements."""
    media_type = BRIEF_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise fail(f"{path.name}: use a .md, .csv or .docx brief")
    service = open_service()
    try:
        brief = service.import_brief(path.read_bytes(), media_type, title=title, actor=CLI_ACTOR)
    except ApiError as error:
        raise fail(error.detail) from error
    finally:
        close(service)
    typer.echo(f"brief {brief.id}: {brief.title} ({len(brief.requirements)} requirements)")
    for requirement in brief.requirements:
        typer.echo(f"  {requirement.id}: {requirement.text}")


@app.command()
def draft(
    brief_id: Annotated[str, typer.Argument(help="id printed by `brief import`")],
    mark: Annotated[
        bool, typer.Option("--mark", help="keep unsupported claims, marked, instead of removing them")
    ] = False,
) -> None:
    """Draft every requirement of a brief from the library; print the draft id and its Markdown."""
    service = open_service()
    try:
        from .schemas import DraftCreate

        body = DraftCreate(brief_id=brief_id, on_unsupported="mark" if mark else None)
        created = service.draft(body, actor=CLI_ACTOR, clearance=CLI_CLEARANCE)
        typer.echo(f"draft {created.id}: {created.status}; gaps: {', '.join(created.gaps) or 'none'}\n")
        typer.echo(service.export(created.id, "md", actor=CLI_ACTOR))
    except ApiError as error:
        raise fail(error.detail) from error
    except Refused as error:
        raise fail(f"{error.control}: {error.reason}") from error
    finally:
        close(service)


@app.command()
def export(
    draft_id: str,
    export_format: Annotated[str, typer.Option("--format", help="md, html, docx or json")] = "md",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="write to this file (required for docx)")
    ] = None,
) -> None:
    """Print or write a stored draft as Markdown, HTML, DOCX or JSON."""
    if export_format not in ("md", "html", "docx", "json"):
        raise fail(f"--format: {export_format!r} is not accepted; use md, html, docx or json")
    if export_format == "docx" and output is None:
        raise fail("--output: a DOCX export needs a file to write to")
    service = open_service()
    try:
        exported = service.export(draft_id, export_format, actor=CLI_ACTOR)
    except ApiError as error:
        raise fail(error.detail) from error
    finally:
        close(service)
    if isinstance(exported, dict):
        exported = json.dumps(exported, indent=2)
    if output is not None:
        output.write_bytes(exported if isinstance(exported, bytes) else exported.encode("utf-8"))
        typer.echo(f"wrote {output}")
    else:
        typer.echo(exported)


@app.command()
def verify(draft_id: str) -> None:
    """Re-check a draft's spans against the library now; stale claims are listed (exit 1 if any)."""
    service = open_service()
    try:
        checked = service.verify_draft(draft_id, actor=CLI_ACTOR)
    except ApiError as error:
        raise fail(error.detail) from error
    finally:
        close(service)
    stale = [claim.id for claim in checked.claims if claim.status == "stale"]
    typer.echo(f"draft {draft_id}: {checked.status}; stale claims: {', '.join(stale) or 'none'}")
    if stale:
        raise typer.Exit(1)
