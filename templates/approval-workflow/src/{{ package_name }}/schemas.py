"""API request and response bodies (kept apart from the store's rows)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .proposals import Proposal, State, allowed_actions

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def person_id(value: str | None) -> str | None:
    """A person is named by an id, never an e-mail address (the audit log keeps no personal data)."""
    if value is not None and _EMAIL.search(value):
        raise ValueError("use a user id, not an e-mail address (the audit log keeps no personal data)")
    return value


class ProposalCreate(BaseModel):
    """A free-text request for the proposer to turn into an action, or an action and its params."""

    model_config = ConfigDict(extra="forbid")

    request: str = Field(
        default="",
        max_length=4000,
        description="what is wanted, in words; the proposer turns it into an action with parameters",
        examples=["Customer 4411 was double-charged for order 981, please fix"],
    )
    requested_by: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the person who asked (a user id); defaults to the proposing client. Never an approver.",
        examples=["carol"],
    )
    action: str | None = Field(default=None, min_length=1, max_length=64, examples=["refund_order"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"order_id": "A-1001", "amount": 40.0}])
    context: str = Field(
        default="", max_length=20_000, description="ticket text, order notes ... (blank-line paragraphs)"
    )
    expires_in_hours: int | None = Field(default=None, ge=1, le=10_000, description="shorter than the policy only")

    @field_validator("requested_by")
    @classmethod
    def _person(cls, value: str | None) -> str | None:
        return person_id(value)

    @model_validator(mode="after")
    def _request_or_action(self) -> ProposalCreate:
        if not self.request.strip() and not self.action:
            raise ValueError("give a free-text 'request', or an 'action' with its 'params'")
        if self.params and not self.action:
            raise ValueError("'params' need an 'action'")
        return self


class DecisionNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000, description="why; required to approve high-risk proposals")


class Reason(BaseModel):
    """Rejecting or asking for changes always says why."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why (shown to the proposer)")


class Revision(BaseModel):
    """The proposer's answer to a change request: new params and/or context (omitted = unchanged)."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] | None = None
    context: str | None = Field(default=None, max_length=20_000)
    note: str = Field(default="", max_length=2000)


class EvidenceOut(BaseModel):
    tag: str
    id: str
    title: str
    text: str
    version: str = Field(default="", description="the document version the passage was read from")


class ApprovalOut(BaseModel):
    approver: str
    at: str


class ProposalOut(BaseModel):
    id: str
    state: State
    allowed_actions: list[str]
    action: str
    params: dict[str, Any]
    risk: str
    risk_score: int
    risk_reasons: list[str]
    policy_version: str
    rationale: str
    rationale_supported: bool
    evidence: list[EvidenceOut]
    confidence: float
    proposer: str
    prompt_version: str
    requested_by: str
    proposed_by: str
    approvals_required: int
    approvals: list[ApprovalOut]
    revision: int
    created_at: str
    expires_at: str
    review_due_at: str | None
    escalated_to: str | None
    decided_by: str | None
    decision_note: str | None
    executed_at: str | None
    result: dict[str, Any] | None
    last_error: str | None
    attempts: int

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        data = {name: getattr(proposal, name) for name in cls.model_fields if hasattr(proposal, name)}
        data["allowed_actions"] = [str(act) for act in allowed_actions(proposal.state)]
        data["approvals"] = [ApprovalOut(approver=a.approver, at=a.at) for a in proposal.approvals]
        return cls.model_validate(data)


class ProposalEvent(BaseModel):
    event_id: str
    action: str
    from_state: str
    to_state: str
    actor: str
    at: str
    note: str


class ChangeOut(BaseModel):
    what: str
    before: str
    after: str


class ProposalDetail(ProposalOut):
    request_text: str
    context: str
    events: list[ProposalEvent]
    changes: list[ChangeOut] = Field(description="what executing the action would change, read now")
