"""Eval predictor: draft a case's brief from the case's library in a scratch ledger and report the evidence.

A case's input holds `requirements` (id, text) and `sources` (id, title, text) or `library`
(a folder of Markdown documents shipped with the project, e.g. `evals/library`). The
prediction lists each claim with its status, reasons and spans, the gaps, the cited sources and
the draft's latency and cost, for the copilot metrics in `copilot_metrics.py`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from .platform.pattern import Prediction
from .platform.runtime import Refused, Runtime
from .schemas import BriefCreate, DraftCreate, RequirementIn, SourceCreate
from .service import CopilotService

EVAL_ACTOR = "eval:drafter"
_LIBRARIES: dict[str, list[SourceCreate]] = {}


def library(runtime: Runtime, folder: str) -> list[SourceCreate]:
    """A shipped library folder, read once per process."""
    if folder not in _LIBRARIES:
        root = runtime.settings.path(Path(folder))
        _LIBRARIES[folder] = [
            SourceCreate(id=path.stem, title=path.stem, text=path.read_text(encoding="utf-8"), classification="public")
            for path in sorted(root.glob("*.md"))
        ]
    return _LIBRARIES[folder]


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    data = case["input"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as scratch:
        service = CopilotService.from_runtime(runtime, db_path=Path(scratch) / "evidence.sqlite3")
        sources = library(runtime, data["library"]) if "library" in data else []
        sources += [SourceCreate.model_validate(source) for source in data.get("sources", [])]
        for source in sources:
            service.register_source(source, actor=EVAL_ACTOR)
        requirements = [RequirementIn.model_validate(r) for r in data["requirements"]]
        brief = service.create_brief(BriefCreate(title=case["id"], requirements=requirements), actor=EVAL_ACTOR)
        try:
            draft = service.draft(DraftCreate(brief_id=brief.id), actor=EVAL_ACTOR, clearance="restricted")
        except Refused as refusal:
            return {"answer": "", "refused": True, "refused_by": refusal.control, "claims": [], "citations": []}
        for change in data.get("then_change", []):  # stale detection: a source gets a new version
            service.register_source(SourceCreate.model_validate(change), actor=EVAL_ACTOR)
        draft = service.get_draft(draft.id)
    claims = [
        {
            "id": claim.id,
            "requirement": claim.requirement_id,
            "text": claim.text,
            "status": claim.status,
            "reasons": claim.reasons,
            "evidence": [
                {"doc": ev.source_id, "start": ev.start, "end": ev.end, "quote": ev.quote, "cited": ev.cited}
                for ev in claim.evidence
                if ev.verified and claim.status == "supported"
            ],
        }
        for claim in draft.claims
    ]
    citations = list(
        dict.fromkeys(ev.source_id for c in draft.claims if c.status == "supported" for ev in c.evidence if ev.cited)
    )
    return {
        "answer": " ".join(c.text for c in draft.claims if c.status == "supported"),
        "refused": draft.status == "no_support",
        "claims": claims,
        "citations": citations,
        "gaps": draft.gaps,
        "draft_latency_s": time.perf_counter() - started,
        "draft_cost_usd": draft.cost_usd,
    }
