"""`demo`: register three sources, draft a proposal section, show the evidence trail, offline."""

from __future__ import annotations

import typer

from .platform.runtime import Runtime
from .schemas import DraftCreate, SourceCreate
from .service import CopilotService

ACTOR = "demo:writer"
SOURCES = [
    SourceCreate(
        id="refund-policy",
        title="Refund policy 2026",
        text=(
            "Refund policy\n\n"
            "Customers can request a refund within 30 days of delivery. "
            "Approved refunds are paid back to the original payment method within 14 days.\n\n"
            "Refunds above 500 EUR need approval from the finance team."
        ),
    ),
    SourceCreate(
        id="support-faq",
        title="Support FAQ",
        text=(
            "How long do refunds take? Approved refunds are paid back to the original payment method "
            "within 14 days.\n\nSupport is available by chat from 8:00 to 20:00 CET on working days."
        ),
    ),
    SourceCreate(
        id="security-overview",
        title="Security overview",
        text="Customer data is encrypted at rest with AES-256. Access to production data requires two-factor login.",
    ),
]
INSTRUCTION = "Summarise refunds: requests, payment and approval"


def say(text: str = "") -> None:
    typer.echo(text)


def demo(runtime: Runtime) -> None:
    db_path = runtime.settings.path(runtime.settings.data_dir) / "demo" / "evidence.sqlite3"
    for leftover in db_path.parent.glob("evidence.sqlite3*"):
        leftover.unlink()
    service = CopilotService.from_runtime(runtime, db_path=db_path)
    needed = service.policy.min_evidence_per_claim
    say(f"Evidence rules v{service.policy.version}: a claim needs {needed} verified span(s).")
    for source in SOURCES:
        service.register_source(source, actor=ACTOR)
    say(f"Registered sources: {', '.join(source.id for source in service.sources())}\n")

    say(f"1. Draft: {INSTRUCTION}")
    draft = service.draft(DraftCreate(instruction=INSTRUCTION), actor=ACTOR)
    say(f"   status: {draft.status}; the model's raw output was:\n   {draft.model_output}\n")
    say("2. Claims and their evidence (each quote is checked against the source text at its offsets):")
    for claim in draft.claims:
        say(f"   [{claim.status}] {claim.text}")
        for ev in claim.evidence:
            cited = "cited" if ev.cited else "corroborating"
            where = f"{ev.source_id}[{ev.start}:{ev.end}]"
            say(f"       {where} {cited}, coverage {ev.coverage:.2f}, verified={ev.verified}")
    say("\n3. Markdown export with footnotes:\n")
    say(service.export(draft.id, "md", actor=ACTOR))

    stricter_rules = service.policy.model_copy(update={"min_evidence_per_claim": 2})
    strict = CopilotService(runtime, service.ledger, stricter_rules, service.prompt)
    say("4. The same draft under stricter rules (two verified spans per claim): single-source claims are removed.")
    stricter = strict.draft(DraftCreate(instruction=INSTRUCTION), actor=ACTOR)
    say(f"   status: {stricter.status}; kept text: {stricter.text or '(nothing)'}\n")

    say("5. A request the sources cannot support:")
    unsupported = service.draft(DraftCreate(instruction="What is the price of the premium plan?"), actor=ACTOR)
    say(f"   status: {unsupported.status}; claims: {len(unsupported.claims)}")
    verified = runtime.audit.verify()
    say(f"\nAudit log: {verified.records} records, chain {'intact' if verified.ok else 'BROKEN'}.")
