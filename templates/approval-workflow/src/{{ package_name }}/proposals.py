"""What a proposal is, the states it moves through, and the errors a caller can see.

    proposed ─┬─ auto_approved ───────────────────────────────┬─ executed ── rolled_back
              └─ pending_review ─┬─ approved (enough approvals)┘     │
                   ▲             ├─ changes_requested ─ revise ─┐   └─ failed ── retry ─> approved
                   └─────────────┼──────────────────────────────┘
                                 ├─ rejected                    (final: never executes)
                                 └─ expired                     (final: never executes)

`TRANSITIONS` is the whole machine: what each action does in each state. Anything not in it
is refused with 409 naming the actions the state allows. Approved and auto-approved
proposals also expire if they are not executed within the rules' execution window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .platform.errors import ApiError


class State(StrEnum):
    PROPOSED = "proposed"
    PENDING_REVIEW = "pending_review"
    CHANGES_REQUESTED = "changes_requested"
    AUTO_APPROVED = "auto_approved"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    EXECUTED = "executed"
    FAILED = "failed"
    ROLLED_BACK = "rolled_back"


class Act(StrEnum):
    """What a person or the system does to a proposal."""

    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"
    REVISE = "revise"
    EXECUTE = "execute"
    RETRY = "retry"
    ROLLBACK = "rollback"
    EXPIRE = "expire"


# (state, action) -> the state it leads to. APPROVE leads to APPROVED once enough distinct
# people approved (it stays pending_review until then); EXECUTE leads to FAILED when the
# executor keeps failing; REVISE re-routes (pending_review, or auto_approved if now low risk).
TRANSITIONS: dict[tuple[State, Act], frozenset[State]] = {
    (State.PENDING_REVIEW, Act.APPROVE): frozenset({State.PENDING_REVIEW, State.APPROVED}),
    (State.PENDING_REVIEW, Act.REJECT): frozenset({State.REJECTED}),
    (State.PENDING_REVIEW, Act.REQUEST_CHANGES): frozenset({State.CHANGES_REQUESTED}),
    (State.PENDING_REVIEW, Act.EXPIRE): frozenset({State.EXPIRED}),
    (State.CHANGES_REQUESTED, Act.REVISE): frozenset({State.PENDING_REVIEW, State.AUTO_APPROVED}),
    (State.CHANGES_REQUESTED, Act.REJECT): frozenset({State.REJECTED}),
    (State.CHANGES_REQUESTED, Act.EXPIRE): frozenset({State.EXPIRED}),
    (State.AUTO_APPROVED, Act.EXECUTE): frozenset({State.EXECUTED, State.FAILED}),
    (State.AUTO_APPROVED, Act.EXPIRE): frozenset({State.EXPIRED}),
    (State.APPROVED, Act.EXECUTE): frozenset({State.EXECUTED, State.FAILED}),
    (State.APPROVED, Act.EXPIRE): frozenset({State.EXPIRED}),
    (State.FAILED, Act.RETRY): frozenset({State.APPROVED}),
    (State.EXECUTED, Act.ROLLBACK): frozenset({State.ROLLED_BACK}),
}
EXECUTABLE = frozenset({State.AUTO_APPROVED, State.APPROVED})
FINAL = frozenset({State.REJECTED, State.EXPIRED, State.ROLLED_BACK})
OPEN = frozenset({State.PENDING_REVIEW, State.CHANGES_REQUESTED})


def allowed_actions(state: State) -> list[Act]:
    """What a person may do in `state`, in a stable order (expiry is the system's, not a person's)."""
    return [act for act in Act if (state, act) in TRANSITIONS and act != Act.EXPIRE]


def leads_to(state: State, act: Act, to_state: State) -> bool:
    return to_state in TRANSITIONS.get((state, act), frozenset())


@dataclass(frozen=True)
class Approval:
    approver: str
    at: str
    note: str


@dataclass(frozen=True)
class Proposal:
    """One proposed action, as stored; `result` is what the executor returned."""

    id: str
    requested_by: str
    proposed_by: str
    idempotency_key: str
    request_hash: str
    request_text: str
    action: str
    params: dict[str, Any]
    subject: str
    amount_base: float
    context: str
    evidence: list[dict[str, Any]]
    rationale: str
    rationale_supported: bool
    confidence: float
    proposer: str
    prompt_version: str
    risk: str
    risk_score: int
    risk_reasons: list[str]
    policy_version: str
    approvals_required: int
    state: State
    revision: int
    created_at: str
    updated_at: str
    expires_at: str
    review_due_at: str | None = None
    escalated_to: str | None = None
    decided_by: str | None = None
    decision_note: str | None = None
    executed_at: str | None = None
    result: dict[str, Any] | None = None
    last_error: str | None = None
    attempts: int = 0
    approvals: list[Approval] = field(default_factory=list)

    @property
    def approved_by(self) -> list[str]:
        return [approval.approver for approval in self.approvals]


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


def illegal(proposal: Proposal, act: Act) -> StateConflict:
    """The 409 for an action the proposal's state does not accept, naming the ones it does."""
    allowed = ", ".join(allowed_actions(proposal.state)) or "none (final state)"
    return StateConflict(f"proposal {proposal.id} is {proposal.state}: cannot {act}; allowed: {allowed}")
