"""What a proposal is, the states it moves through and the errors a caller can see.

    proposed -> auto_approved ------------------------> executed -> rolled_back
             -> pending_review -> approved -----------> executed -> rolled_back
                               -> rejected | expired   (final: never executes)

Only `auto_approved` and `approved` proposals can execute, and every move is one
SQLite transaction in `store.py`, so a crash leaves a proposal in a state it really
reached and never half-executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .platform.errors import ApiError


class State(StrEnum):
    PROPOSED = "proposed"
    AUTO_APPROVED = "auto_approved"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTED = "executed"
    ROLLED_BACK = "rolled_back"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.PROPOSED: frozenset({State.AUTO_APPROVED, State.PENDING_REVIEW}),
    State.PENDING_REVIEW: frozenset({State.APPROVED, State.REJECTED, State.EXPIRED}),
    State.AUTO_APPROVED: frozenset({State.EXECUTED}),
    State.APPROVED: frozenset({State.EXECUTED}),
    State.EXECUTED: frozenset({State.ROLLED_BACK}),
}
EXECUTABLE = frozenset({State.AUTO_APPROVED, State.APPROVED})


def can_move(from_state: State, to_state: State) -> bool:
    return to_state in TRANSITIONS.get(from_state, frozenset())


@dataclass(frozen=True)
class Proposal:
    """One proposed action, as stored; `result` is what the executor returned."""

    id: str
    proposed_by: str
    idempotency_key: str
    request_hash: str
    action: str
    params: dict[str, Any]
    context: str
    rationale: str
    rationale_supported: bool
    prompt_version: str
    risk: str
    risk_reasons: list[str]
    policy_version: str
    state: State
    created_at: str
    updated_at: str
    expires_at: str
    decided_by: str | None = None
    decision_note: str | None = None
    executed_at: str | None = None
    result: dict[str, Any] | None = None
    last_error: str | None = None


class ApprovalError(ApiError):
    """A request the workflow refuses; `code` and `detail` become the JSON error body."""

    status = 400
    code = "proposal"


class ProposalNotFound(ApprovalError):
    status = 404
    code = "proposal.not_found"


class InvalidProposal(ApprovalError):
    status = 422
    code = "proposal.invalid"


class StateConflict(ApprovalError):
    status = 409
    code = "proposal.state"


class IdempotencyConflict(ApprovalError):
    status = 409
    code = "proposal.idempotency"


class SeparationOfDuties(ApprovalError):
    status = 403
    code = "proposal.separation_of_duties"


class ExecutionFailed(ApprovalError):
    status = 422
    code = "proposal.execution_failed"
