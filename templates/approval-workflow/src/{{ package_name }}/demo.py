"""`demo`: the workflow end to end, offline, in a scratch store under the data directory."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import typer

from .platform.runtime import Runtime
from .proposals import ApprovalError, Proposal
from .schemas import ProposalCreate
from .service import ProposalService

AGENT = "agent:support-bot"
REVIEWER = "reviewer:dana"
DOUBLE_CHARGE = (
    "Customer C-1042 reports that order A-1001 was charged twice on 3 March.\n\n"
    "The payment log shows two captures of 120.00 EUR for order A-1001; the second capture is a duplicate."
)
CANCELLED_ORDER = (
    "Order B-2002 was cancelled by the warehouse because the item is out of stock.\n\n"
    "The customer paid 900.00 EUR for order B-2002 and received nothing; a full refund of the order is due."
)
NOTICE_REQUEST = "Customer C-1042 asked for a notice about the refund of order A-1001 once it is on its way."


def say(text: str) -> None:
    typer.echo(text)


def show(proposal: Proposal) -> None:
    say(f"  {proposal.id}  {proposal.action:<13} risk={proposal.risk:<6} state={proposal.state}")
    for reason in proposal.risk_reasons[1:]:
        say(f"      why: {reason}")


def attempt(label: str, call: Callable[[], Proposal]) -> Proposal | None:
    try:
        proposal = call()
    except ApprovalError as error:
        say(f"  {label}: refused ({error.code}) - {error.detail}")
        return None
    say(f"  {label}: ok -> {proposal.state}")
    return proposal


def demo(runtime: Runtime) -> None:
    db_path = runtime.settings.path(runtime.settings.data_dir) / "demo" / "approvals.sqlite3"
    for leftover in db_path.parent.glob("approvals.sqlite3*"):
        leftover.unlink()
    service = ProposalService.from_runtime(runtime, db_path=db_path)
    run = uuid4().hex[:8]
    say(f"Project tier: {runtime.governance.risk_tier} · risk rules v{service.rules.version}\n")

    say("1. The support bot proposes three actions (the model drafts each rationale):")
    notice = ProposalCreate(
        action="send_notice",
        params={
            "recipient": "customer:C-1042",
            "subject": "Your refund",
            "body": "We are refunding order A-1001.",
        },
        context=NOTICE_REQUEST,
    )
    small = ProposalCreate(action="refund_order", params={"order_id": "A-1001", "amount": 120.0}, context=DOUBLE_CHARGE)
    large = ProposalCreate(
        action="refund_order", params={"order_id": "B-2002", "amount": 900.0}, context=CANCELLED_ORDER
    )
    created = [
        service.propose(body, actor=AGENT, idempotency_key=f"{run}-{n}")[0]
        for n, body in enumerate([notice, small, large])
    ]
    for proposal in created:
        show(proposal)
    say(f"   rationale for {created[1].id}: {created[1].rationale}\n")

    say("2. A network retry repeats the medium refund with the same Idempotency-Key:")
    again, fresh = service.propose(small, actor=AGENT, idempotency_key=f"{run}-1")
    say(f"  same proposal {again.id}, created again: {fresh}\n")

    say("3. Controls that refuse (each refusal is audited):")
    attempt("bot executes the high-risk refund before review", lambda: service.execute(created[2].id, actor=AGENT))
    attempt("bot approves its own proposal", lambda: service.approve(created[2].id, actor=AGENT))
    attempt("reviewer approves high risk without a note", lambda: service.approve(created[2].id, actor=REVIEWER))
    say("")

    say(f"4. {REVIEWER} decides, then the bot executes (and retries the execute):")
    attempt("approve medium refund", lambda: service.approve(created[1].id, actor=REVIEWER))
    note = "Warehouse confirmed cancellation; full refund is due."
    attempt("approve high refund with a note", lambda: service.approve(created[2].id, actor=REVIEWER, note=note))
    for proposal in created[1:]:
        attempt(f"execute {proposal.id}", lambda p=proposal: service.execute(p.id, actor=AGENT))
    attempt(f"retry execute {created[2].id}", lambda: service.execute(created[2].id, actor=AGENT))
    say("")

    with service.store.reading() as conn:
        rows = conn.execute("SELECT order_id, kind, amount_cents FROM refund_ledger ORDER BY id").fetchall()
    say("5. Refund ledger (one row per executed proposal, however often execute was called):")
    for row in rows:
        say(f"  {row['order_id']}  {row['kind']:<8} {row['amount_cents'] / 100:>8.2f} EUR")
    verified = runtime.audit.verify()
    say(f"\nAudit log: {verified.records} records, chain {'intact' if verified.ok else 'BROKEN'}.")
    say("Reviewer page: run `serve` and open http://127.0.0.1:8000/review")
