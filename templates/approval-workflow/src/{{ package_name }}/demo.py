"""`demo`: the workflow end to end, offline, in the service's own store (the reviewer page shows it).

Free-text requests become proposals (the local proposer reads them and looks up the evidence);
the rules route them; the controls refuse what they must; two reviewers approve a high-risk
refund, which then executes once. Some proposals stay pending, so `serve` shows them on /review.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import typer

from .platform.errors import Refused
from .platform.runtime import Runtime
from .proposals import ApprovalError, Proposal
from .schemas import ProposalCreate
from .service import ProposalService
from .worker import Worker

AGENT = "agent:support-bot"
REQUESTER = "carol"
REVIEWERS = ("reviewer:dana", "reviewer:erik")
REQUESTS = [
    "Customer 4411 was double-charged for order 981, please fix.",
    "Please refund order B-2002: the warehouse cancelled it and the customer paid for nothing.",
    "Tell customer C-1042 that the refund for order A-1001 is on its way.",
    "Send a notice to all customers saying 'Our terms of service change on 1 June.'",
]
SPLIT = "Refund 200 EUR on order 5150, the order was cancelled by the warehouse."


def say(text: str) -> None:
    typer.echo(text)


def show(proposal: Proposal) -> None:
    say(f"  {proposal.id}  {proposal.action:<13} risk={proposal.risk:<6} score={proposal.risk_score:<3} "
        f"state={proposal.state}  params={proposal.params}")  # fmt: skip


def attempt(label: str, call: Callable[[], Proposal]) -> Proposal | None:
    try:
        proposal = call()
    except (ApprovalError, Refused) as error:
        code = getattr(error, "code", None) or getattr(error, "control", "")
        say(f"  {label}: refused ({code}) - {getattr(error, 'detail', None) or error}")
        return None
    say(f"  {label}: ok -> {proposal.state}")
    return proposal


def demo(runtime: Runtime) -> None:
    service = ProposalService.from_runtime(runtime)
    run = uuid4().hex[:8]
    tier, version = runtime.governance.risk_tier, service.rules.version
    say(f"Project tier: {tier} · risk rules v{version} · store: {service.db.dialect}\n")

    say(f"1. {REQUESTER} asks the support bot in plain words; the bot proposes typed actions:")
    created = []
    for number, text in enumerate(REQUESTS):
        say(f"  request: {text}")
        proposal = attempt(
            "proposed",
            lambda text=text, number=number: service.propose(
                ProposalCreate(request=text, requested_by=REQUESTER), actor=AGENT, idempotency_key=f"{run}-{number}"
            )[0],
        )
        if proposal is not None:
            show(proposal)
            created.append(proposal)
    say(f"   rationale for {created[0].id}: {created[0].rationale}\n")

    say("2. Splitting a refund does not get it past the limits (refunds on one order add up):")
    for number in range(3):
        split = service.propose(ProposalCreate(request=SPLIT, requested_by=REQUESTER), actor=AGENT,
                                idempotency_key=f"{run}-split-{number}")[0]  # fmt: skip
        show(split)
    say("")

    large = next(p for p in created if p.params.get("order_id") == "B-2002")
    say(f"3. Controls that refuse (each refusal is audited), on the high-risk refund {large.id}:")
    attempt("the bot executes it before review", lambda: service.execute(large.id, actor=AGENT))
    attempt("the requester approves it", lambda: service.approve(large.id, actor="Carol ", note="mine"))
    attempt("a reviewer approves without a note", lambda: service.approve(large.id, actor=REVIEWERS[0]))
    note = "Warehouse confirmed the cancellation; a full refund is due."
    attempt("first reviewer approves with a note", lambda: service.approve(large.id, actor=REVIEWERS[0], note=note))
    attempt(
        "the same reviewer, spelt differently, approves again",
        lambda: service.approve(large.id, actor=REVIEWERS[0].upper() + " ", note=note),
    )
    attempt("second reviewer approves (four eyes)", lambda: service.approve(large.id, actor=REVIEWERS[1], note=note))
    Worker(service).run_until_idle()
    attempt(f"retry execute {large.id}", lambda: service.execute(large.id, actor=AGENT))
    say("")

    with service.db.reading() as tx:
        rows = tx.all("SELECT order_id, kind, amount_cents, currency FROM refund_ledger ORDER BY id")
    say("4. Refund ledger (one row per executed proposal, however often execute was called):")
    for row in rows:
        say(f"  {row['order_id']:<7} {row['kind']:<8} {row['amount_cents'] / 100:>8.2f} {row['currency']}")
    waiting = service.store.search(states=None, limit=500)
    pending = [p for p in waiting if p.state == "pending_review"]
    service.close()
    verified = runtime.audit.verify()
    say(f"\nAudit log: {verified.records} records, chain {'intact' if verified.ok else 'BROKEN'}.")
    say(f"{len(pending)} proposal(s) wait for review: run `serve` and open http://127.0.0.1:8000/review")
