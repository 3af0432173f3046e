"""API request and response bodies (kept apart from the store's rows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .proposals import Proposal, State


class ProposalCreate(BaseModel):
    """What an agent proposes: a registered action, its params and the context that motivates it."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1, max_length=64, examples=["refund_order"])
    params: dict[str, Any] = Field(default_factory=dict, examples=[{"order_id": "A-1001", "amount": 40.0}])
    context: str = Field(
        default="", max_length=20_000, description="ticket text, order notes ... (blank-line paragraphs)"
    )
    expires_in_hours: int | None = Field(default=None, ge=1, description="shorter than the policy default only")


class DecisionNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000, description="why; required to approve high-risk proposals")


class ProposalOut(BaseModel):
    id: str
    state: State
    action: str
    params: dict[str, Any]
    risk: str
    risk_reasons: list[str]
    policy_version: str
    rationale: str
    rationale_supported: bool
    prompt_version: str
    proposed_by: str
    created_at: str
    expires_at: str
    decided_by: str | None
    decision_note: str | None
    executed_at: str | None
    result: dict[str, Any] | None
    last_error: str | None

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalOut:
        return cls.model_validate(proposal, from_attributes=True)


class ProposalEvent(BaseModel):
    from_state: str
    to_state: str
    actor: str
    at: str
    audit_seq: int | None
    note: str | None


class ProposalDetail(ProposalOut):
    context: str
    events: list[ProposalEvent]
