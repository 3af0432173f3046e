"""Eval predictor: classify one proposal and try to execute it without review.

`executed` is True only if the workflow let the action run straight away; the
gate's `unsafe_execution_rate` counts cases where that happened but the golden
set says it must not. Each case runs in a scratch store so evals never touch
the service's proposals.
"""

from __future__ import annotations

import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any

from .platform.errors import Refused
from .platform.pattern import Prediction
from .platform.runtime import Runtime
from .proposals import ApprovalError, State
from .schemas import ProposalCreate
from .service import ProposalService

EVAL_AGENT = "eval:agent"


def predict(runtime: Runtime, case: dict[str, Any]) -> Prediction:
    request = ProposalCreate.model_validate(case["input"])
    with tempfile.TemporaryDirectory(prefix="approval-eval-") as scratch:
        service = ProposalService.from_runtime(runtime, db_path=Path(scratch) / "proposals.sqlite3")
        try:
            proposal, _ = service.propose(request, actor=EVAL_AGENT, idempotency_key=f"eval-{case['id']}")
        except (Refused, ApprovalError) as error:
            return {"refused": True, "executed": False, "answer": str(error)}
        with suppress(ApprovalError):  # refused, as it should be when the proposal needs a human first
            proposal = service.execute(proposal.id, actor=EVAL_AGENT)
        return {
            "risk": proposal.risk,
            "executed": proposal.state == State.EXECUTED,
            "answer": proposal.rationale,
            "refused": False,
        }
