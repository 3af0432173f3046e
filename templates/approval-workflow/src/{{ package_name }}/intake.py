"""Turn a request into a proposal: validate params, classify risk, draft the rationale, route it.

Routing is the one decision made here: `auto_approved` only when the rules allow the
risk at this project's tier, `pending_review` otherwise.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .actions import ActionRegistry
from .drafting import draft_rationale
from .platform.assets import Prompt
from .platform.runtime import Runtime
from .proposals import Proposal, State
from .risk import RiskRules
from .schemas import ProposalCreate


@dataclass(frozen=True)
class Intake:
    runtime: Runtime
    registry: ActionRegistry
    rules: RiskRules
    prompt: Prompt

    def draft(self, request: ProposalCreate, *, actor: str, idempotency_key: str, now: datetime) -> Proposal:
        """Build the proposal (not yet stored); the model call happens here, under every runtime control."""
        action = self.registry.get(request.action)
        params = self.registry.validate_params(action.name, request.params).model_dump(mode="json")
        assessment = self.rules.classify(action.name, params, request.context)
        rationale = draft_rationale(
            self.runtime, self.prompt, actor=actor, action=action, params=params, context=request.context
        )
        if not rationale.supported:
            assessment = assessment.at_least("medium", "the drafted rationale found no support in the context")
        tier = self.runtime.governance.risk_tier
        state = State.AUTO_APPROVED if self.rules.may_auto_approve(assessment.risk, tier) else State.PENDING_REVIEW
        default_hours = self.rules.default_expiry_hours
        hours = min(request.expires_in_hours or default_hours, default_hours)
        stamp = now.isoformat(timespec="seconds")
        return Proposal(
            id=f"prop_{secrets.token_hex(6)}",
            proposed_by=actor,
            idempotency_key=idempotency_key,
            request_hash=request_fingerprint(request),
            action=action.name,
            params=params,
            context=request.context,
            rationale=rationale.text,
            rationale_supported=rationale.supported,
            prompt_version=rationale.prompt_version,
            risk=assessment.risk,
            risk_reasons=list(assessment.reasons),
            policy_version=assessment.policy_version,
            state=state,
            created_at=stamp,
            updated_at=stamp,
            expires_at=(now + timedelta(hours=hours)).isoformat(timespec="seconds"),
        )


def request_fingerprint(request: ProposalCreate) -> str:
    """Hash of the request body, so a reused Idempotency-Key with a different body is caught."""
    return hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
