"""Eval predictor and metrics: draft from the case's own sources in a scratch ledger, report the evidence.

A claim's evidence is listed only when the claim met `min_evidence_per_claim`, so
`claim_support_rate` (registered below) counts exactly the claims this project would keep;
`citations` are the sources the model cited, for `citation_precision`; `grounding` pairs each
claim with its quotes, for `groundedness`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .platform.errors import Refused
from .platform.evals.metrics import Expected, register
from .platform.pattern import Prediction
from .platform.runtime import Runtime
from .schemas import DraftCreate, SourceCreate
from .service import CopilotService

EVAL_ACTOR = "eval:drafter"


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    data = case["input"]
    with tempfile.TemporaryDirectory(prefix="copilot-eval-") as scratch:
        service = CopilotService.from_runtime(runtime, db_path=Path(scratch) / "evidence.sqlite3")
        for source in data["sources"]:
            service.register_source(SourceCreate.model_validate(source), actor=EVAL_ACTOR)
        try:
            draft = service.draft(DraftCreate(instruction=data["instruction"]), actor=EVAL_ACTOR)
        except Refused as refusal:  # a guard blocked the sources or the instruction: no draft at all
            return {
                "answer": "",
                "refused": True,
                "refused_by": refusal.control,
                "claims": [],
                "citations": [],
                "grounding": [],
            }
    claims = [
        {
            "text": claim.text,
            "evidence": [
                {"doc": ev.source_id, "start": ev.start, "end": ev.end, "quote": ev.quote}
                for ev in claim.evidence
                if ev.verified and claim.status == "supported"
            ],
        }
        for claim in draft.claims
    ]
    citations = list(dict.fromkeys(source for claim in draft.claims for source in claim.cited_sources))
    grounding = [
        {"text": claim["text"], "evidence": " ".join(ev["quote"] for ev in claim["evidence"])} for claim in claims
    ]
    return {
        "answer": draft.text,
        "refused": draft.status == "no_support",
        "claims": claims,
        "citations": citations,
        "grounding": grounding,
    }


@register("claim_support_rate")
def claim_support_rate(prediction: Prediction, expected: Expected) -> float | None:
    """Share of claims citing at least one non-empty source span; 0 below `min_supported_claims`."""
    if "claims" not in prediction:
        return None
    claims = prediction["claims"]
    minimum = int(expected.get("min_supported_claims", 0))
    supported = sum(
        any(ev.get("quote") and int(ev.get("start", 0)) < int(ev.get("end", 0)) for ev in claim.get("evidence", []))
        for claim in claims
    )
    if supported < minimum:
        return 0.0
    return supported / len(claims) if claims else None
