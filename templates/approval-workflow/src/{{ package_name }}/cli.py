"""Command line: the platform commands plus `pending` and `expire` for the approval queue."""

from __future__ import annotations

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
    from .review_sessions import ReviewerSessions
    from .service import ProposalService

    service = ProposalService.from_runtime(runtime)
    ReviewerSessions(service.store, service.clock)


app = build_cli(PatternHooks.lazy(__package__, open_stores=open_stores))


def open_service() -> ProposalService:
    from .service import ProposalService

    try:
        return ProposalService.from_runtime(open_runtime())
    except ConfigError as error:
        raise fail(str(error)) from error


@app.command()
def pending() -> None:
    """List proposals waiting for a human decision (decide them on the reviewer page)."""
    from .proposals import State

    service = open_service()
    waiting = service.list_proposals(State.PENDING_REVIEW, limit=500)
    for proposal in waiting:
        who = f"by {proposal.proposed_by}  expires {proposal.expires_at}"
        typer.echo(f"{proposal.id}  {proposal.risk:<6} {proposal.action:<14} {who}")
    typer.echo(f"{len(waiting)} pending")
    service.runtime.close()


@app.command()
def expire() -> None:
    """Expire overdue pending proposals now (the service also does this on every request)."""
    service = open_service()
    expired = service.expire_due()
    typer.echo(f"expired {len(expired)} proposal(s)" + (": " + ", ".join(expired) if expired else ""))
    service.runtime.close()
