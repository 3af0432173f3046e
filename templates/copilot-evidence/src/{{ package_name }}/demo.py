"""`demo`: the sample library and RFP brief in, a cited draft with its gaps out, exported as DOCX, offline."""

from __future__ import annotations

from pathlib import Path

import typer

from .platform.runtime import Runtime
from .schemas import DraftCreate, SourceCreate
from .service import CopilotService

ACTOR = "demo:writer"
REVIEWER = "demo:reviewer"
SAMPLE = Path("sample")


def say(text: str = "") -> None:
    typer.echo(text)


def register_library(service: CopilotService, folder: Path, *, actor: str) -> dict[str, int]:
    """Register every document of a folder under its file name; returns how many of each format."""
    formats: dict[str, int] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file():
            service.register_file(path, classification="public", actor=actor)
            kind = path.suffix.lstrip(".")
            formats[kind] = formats.get(kind, 0) + 1
    return formats


def demo(runtime: Runtime) -> None:
    settings = runtime.settings
    folder = settings.path(settings.data_dir) / "demo"
    for leftover in folder.glob("evidence.sqlite3*"):
        leftover.unlink()
    service = CopilotService.from_runtime(runtime, db_path=folder / "evidence.sqlite3")
    sample = settings.path(SAMPLE)
    formats = register_library(service, sample / "library", actor=ACTOR)
    counts = ", ".join(f"{n} {kind.upper()}" for kind, n in sorted(formats.items()))
    say(f"1. Library: {counts} from sample/library (Kubernetes API reference, Apache-2.0; see sample/NOTICE).")
    brief = service.import_brief((sample / "brief.md").read_bytes(), "text/markdown", title="", actor=ACTOR)
    say(f"2. Brief: {brief.title} ({len(brief.requirements)} requirements, ids {brief.requirements[0].id}..)")

    draft = service.draft(DraftCreate(brief_id=brief.id), actor=ACTOR, clearance="public")
    supported = [claim for claim in draft.claims if claim.status == "supported"]
    say(f"3. Draft {draft.id}: {draft.status}; {len(supported)} supported claims, each citing a verified span.")
    for claim in supported[:3]:
        ev = claim.evidence[0]
        say(f"   {claim.id} {claim.text}\n       -> {ev.source_id}@{ev.version[:12]}[{ev.start}:{ev.end}]")
    say(f"   Gaps (no source supports them, nothing was guessed): {', '.join(draft.gaps) or 'none'}")
    dropped = [claim for claim in draft.claims if claim.status != "supported"]
    for claim in dropped[:2]:
        say(f"   not kept: {claim.id} {claim.text[:70]} ({'; '.join(claim.reasons)[:90]})")

    if supported:
        first = supported[0]
        from .schemas import ClaimReview

        service.review_claim(draft.id, first.id, ClaimReview(action="accept"), actor=REVIEWER)
        say(f"4. {REVIEWER} accepted {first.id}; the ledger now holds {len(service.ledger_events(draft.id))} events.")
        cited = first.evidence[0].source_id
        changed = service.source(cited).text + "\n\nRevised in a later release."
        service.register_source(SourceCreate(id=cited, title=cited, text=changed, format="text"), actor=ACTOR)
        stale = [claim.id for claim in service.get_draft(draft.id).claims if claim.status == "stale"]
        say(f"5. {cited} got a new version: claims citing the old one are stale: {', '.join(stale)}")

    out = folder / f"{draft.id}.docx"
    out.write_bytes(service.export(draft.id, "docx", actor=ACTOR))  # type: ignore[arg-type]
    say(f"6. DOCX export with one comment per quoted span: {out}")
    service.close()
    verified = runtime.audit.verify()
    say(f"\nAudit log: {verified.records} records, chain {'intact' if verified.ok else 'BROKEN'}.")
