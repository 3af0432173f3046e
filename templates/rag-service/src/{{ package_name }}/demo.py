"""`demo`: ingest the sample corpus and answer three questions, offline, with citations."""

from __future__ import annotations

import typer

from .config import get_rag_settings
from .platform.auth import Caller
from .platform.errors import Refused
from .platform.runtime import Runtime
from .service import Answer, RagService

QUESTIONS = (
    ("internal", "How far in advance must business travel be booked?"),
    ("internal", "What is Project Heron?"),
    ("restricted", "What is Project Heron?"),
    ("internal", "When are vendor invoices paid?"),
    ("public", "What is the company's stock ticker symbol?"),
)


def demo(runtime: Runtime) -> None:
    config = get_rag_settings()
    service = RagService.from_runtime(runtime, config)
    try:
        report = service.ingest_folder(runtime.settings.path(config.corpus_dir), actor="demo")
        typer.echo(f"ingested {config.corpus_dir}/: {report.summary()}")
        for name, reason in report.failed.items():
            typer.secho(f"  skipped {name}: {reason}", fg=typer.colors.YELLOW)
        for clearance, question in QUESTIONS:
            typer.echo(f"\nQ ({clearance} clearance): {question}")
            try:
                show(service.ask(question, Caller("demo", frozenset({"query"}), clearance)))
            except Refused as refusal:
                typer.echo(f"A: refused by {refusal.control}: {refusal.reason}")
    finally:
        service.close()


def show(answer: Answer) -> None:
    typer.echo(f"A: {answer.text}")
    if answer.refused and answer.reason:
        typer.echo(f"   (refused: {answer.reason})")
    for citation in answer.citations:
        stale = "  [stale]" if citation.stale else ""
        typer.echo(
            f"   [{citation.tag}] {citation.document_id} \u00a7 {citation.heading or '-'}  "
            f"chunk {citation.chunk_id}, chars {citation.start}-{citation.end}{stale}"
        )
    for note in answer.notes:
        typer.echo(f"   note: {note}")
