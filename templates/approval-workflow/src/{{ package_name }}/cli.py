"""Command line: the platform commands plus `pending`, `expire` and `worker` for the approval queue."""

from __future__ import annotations

import signal
import threading
from typing import TYPE_CHECKING

import typer

from .platform.cli import build_cli, fail, open_runtime
from .platform.errors import ConfigError
from .platform.pattern import PatternHooks

if TYPE_CHECKING:  # the service loads inside the commands: `--help` stays fast
    from .platform.runtime import Runtime
    from .service import ProposalService


def open_stores(runtime: Runtime) -> None:
    """Open (and so migrate) the approvals database and its reviewer sessions for `migrate`."""
    from .platform.reviewer_sessions import ReviewerSessions
    from .review_page import SIGN_IN
    from .service import ProposalService

    service = ProposalService.from_runtime(runtime)
    ReviewerSessions(service.db, service.clock, table=SIGN_IN.table)
    service.close()


app = build_cli(PatternHooks.lazy(__package__, open_stores=open_stores))


def open_service() -> ProposalService:
    from .service import ProposalService

    try:
        return ProposalService.from_runtime(open_runtime())
    except (ConfigError, ValueError) as error:
        raise fail(str(error)) from error


@app.command()
def pending() -> None:
    """List proposals waiting for a human decision (decide them on the reviewer page)."""
    from .proposals import State

    service = open_service()
    waiting = service.list_proposals(State.PENDING_REVIEW, limit=500)
    for proposal in waiting:
        who = f"requested by {proposal.requested_by}  {len(proposal.approvals)}/{proposal.approvals_required} approvals"
        typer.echo(f"{proposal.id}  {proposal.risk:<6} {proposal.action:<14} {who}  expires {proposal.expires_at}")
    typer.echo(f"{len(waiting)} pending")
    service.close()
    service.runtime.close()


@app.command()
def expire() -> None:
    """Expire overdue proposals now (the worker also does this)."""
    service = open_service()
    expired = service.expire_due()
    typer.echo(f"expired {len(expired)} proposal(s)" + (": " + ", ".join(expired) if expired else ""))
    service.close()
    service.runtime.close()


@app.command()
def worker(once: bool = typer.Option(False, "--once", help="work until idle, then exit")) -> None:
    """Execute approved proposals, run expiry and SLA timers, deliver webhooks, drain the audit outbox."""
    from .worker import Worker

    service = open_service()
    runner = Worker(service)
    try:
        if once:
            typer.echo(f"{runner.name}: {runner.run_until_idle()} item(s) handled")
            return
        stop = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, lambda *_: stop.set())
        typer.echo(f"{runner.name}: working (Ctrl-C to stop)")
        runner.run(stop)
    finally:
        service.close()
        service.runtime.close()
