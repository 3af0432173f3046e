"""Eval predictor and this pattern's own metric: answer one golden case as the API would.

Each case runs against a scratch store, so evals never add to the service's answers. A refusal
by a control (an input guard blocking the question) is a refusal, as the API would report it.
`cited_answer_rate` joins the platform's metric registry when this module loads; the gate and
the shadow test read its direction from the eval report, never by importing this module.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .platform.errors import Refused
from .platform.evals.metrics import Expected, register
from .platform.pattern import Prediction
from .platform.runtime import Runtime
from .schemas import AnswerRequest
from .service import AnswerService

EVAL_CALLER = "eval:golden-set"


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    request = AnswerRequest.model_validate(case["input"])
    texts = {source.id: source.text for source in request.sources}
    with tempfile.TemporaryDirectory(prefix="answers-eval-") as scratch:
        service = AnswerService.from_runtime(runtime, db_path=Path(scratch) / "answers.sqlite3")
        try:
            answer = service.answer(request, actor=EVAL_CALLER)
        except Refused as refusal:
            return {"answer": "", "refused": True, "citations": [], "cited_texts": [], "refused_by": refusal.control}
    return {
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": answer.cited,
        "cited_texts": [texts[source_id] for source_id in answer.cited],
    }


@register("cited_answer_rate")
def cited_answer_rate(prediction: Prediction, expected: Expected) -> float | None:
    """An answerable case is answered and cites at least one source (unanswerable cases are skipped)."""
    if expected.get("should_refuse", False) or "refused" not in prediction:
        return None
    return float(not prediction["refused"] and bool(prediction.get("citations")))
