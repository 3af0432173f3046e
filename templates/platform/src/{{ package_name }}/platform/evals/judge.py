"""The optional model-graded metric: a model judges whether an answer is supported by its sources.

Off by default (`eval --model-graded`): it costs a model call per case and its verdict is only as
good as the judge. It goes through `runtime.complete` like any other call, so guards, the budget
and the audit log see the judge's traffic too. A reply without a parsable score is skipped.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..runtime import Runtime

JUDGE_PROMPT_REF = "eval-judge@1.0.0"
JUDGE_SYSTEM = (
    "You grade answers. Read the sources and the answer. Reply with exactly one line "
    "'score: 1' when every statement of the answer is supported by the sources, else 'score: 0'."
)
_SCORE = re.compile(r"score\s*[:=]\s*([01](?:\.\d+)?)", re.IGNORECASE)


def judge_groundedness(runtime: Runtime, prediction: dict[str, Any]) -> float | None:
    """Ask the configured model for a 0..1 support score; None when it cannot be graded."""
    answer = str(prediction.get("answer", "")).strip()
    sources = [str(text) for text in prediction.get("cited_texts", [])]
    if not answer or not sources or prediction.get("refused"):
        return None
    lines = [f"[S{number}] {text}" for number, text in enumerate(sources, start=1)]
    user = "\n".join([*lines, f"Answer: {answer}", "Question: Is every statement of the answer supported?"])
    reply = runtime.complete(
        feature="eval_judge",
        actor="eval-judge",
        system=JUDGE_SYSTEM,
        user=user,
        prompt_version=JUDGE_PROMPT_REF,
        max_tokens=16,
    )
    match = _SCORE.search(reply.text)
    return min(max(float(match.group(1)), 0.0), 1.0) if match else None
