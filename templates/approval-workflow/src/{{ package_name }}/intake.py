"""Turn a request into a proposal draft: screen it, find evidence, propose, justify.

Everything here happens before the database transaction (model calls are slow and must not
hold locks); the service then routes the draft inside the transaction, where the cumulative
limits can see every other proposal on the same subject.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .actions import ActionRegistry
from .drafting import Rationale, cited_tags, draft_rationale, tagged_sources
from .evidence import Evidence, EvidenceSource
from .platform.assets import Prompt
from .platform.runtime import Runtime
from .proposals import InvalidProposal
from .proposer import Draft, Proposer
from .risk import Risk, RiskRules
from .schemas import ProposalCreate

CALLER = "caller"  # the proposer name when the caller named the action itself
EVIDENCE_K = 4


@dataclass(frozen=True)
class Prepared:
    """A screened, proposed and justified action, not yet routed or stored."""

    request_text: str
    context: str
    draft: Draft
    evidence: list[Evidence]
    rationale: Rationale
    escalations: list[tuple[Risk, str]] = field(default_factory=list)
    facts: str = ""  # evidence about the action's subject, which the rules read too

    @property
    def text(self) -> str:
        """What the rules' word lists read: the request, its context and the records about its subject."""
        return "\n\n".join(part for part in (self.request_text, self.context, self.facts) if part).strip()

    def evidence_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "tag": f"E{number}",
                "id": passage.id,
                "title": passage.title,
                "text": passage.text,
                "version": passage.version,
            }  # fmt: skip
            for number, passage in enumerate(self.evidence, start=1)
        ]


@dataclass(frozen=True)
class Intake:
    runtime: Runtime
    registry: ActionRegistry
    rules: RiskRules
    prompt: Prompt
    evidence: EvidenceSource
    proposer: Proposer

    def prepare(self, request: ProposalCreate, *, actor: str, clearance: str = "internal") -> Prepared:
        text = f"{request.request}\n\n{request.context}".strip()
        verdict = self.runtime.guard_input(text, actor=actor, feature="propose")  # a block is refused here
        escalations = self._guard_escalations(verdict)
        if request.action:
            action = self.registry.get(request.action)
            params = self.registry.validate_params(action.name, request.params).model_dump(mode="json")
            evidence = self.evidence.search(_query(text, action.name, params), k=EVIDENCE_K, clearance=clearance)
            draft = Draft(action.name, params, 1.0, CALLER)
        else:
            evidence = self.evidence.search(text, k=EVIDENCE_K, clearance=clearance)
            try:
                draft = self.proposer.propose(request.request, evidence, actor=actor)
            except InvalidProposal as error:  # audited: a proposer that produced nothing usable
                details = {"proposer": getattr(self.proposer, "name", "proposer"), "reason": error.detail[:200]}
                self.runtime.record(
                    actor=actor, action="proposal.propose", decision="refused:proposer", details=details
                )
                raise
            params = self.registry.validate_params(draft.action, draft.params).model_dump(mode="json")
            draft = Draft(draft.action, params, draft.confidence, draft.proposer, draft.rationale, draft.cited)
            more = self.evidence.search(_query(text, draft.action, params), k=EVIDENCE_K, clearance=clearance)
            evidence = _merge(evidence, more)
        evidence, facts = self._about_subject(draft, evidence)
        rationale = self._rationale(draft, evidence, request.context, actor=actor)
        if not rationale.supported:
            escalations.append(("medium", "the rationale cites no evidence"))
        if draft.confidence < self.rules.min_confidence:
            escalations.append(("medium", f"the proposer is unsure (confidence {draft.confidence:.2f})"))
        return Prepared(request.request, request.context, draft, evidence, rationale, escalations, facts)

    def _about_subject(self, draft: Draft, evidence: list[Evidence]) -> tuple[list[Evidence], str]:
        """For an action with a subject (an order), only passages that name it count, and the rules read them.

        A refund is justified by that order's record, not by a policy about refunds in general; and
        a chargeback on the order's record escalates the refund even if the request leaves it out.
        """
        rule = self.rules.actions.get(draft.action)
        if rule is None or rule.subject is None or draft.params.get(rule.subject) is None:
            return evidence, ""
        named = re.compile(rf"(?<![\w-]){re.escape(str(draft.params[rule.subject]))}(?![\w-])", re.IGNORECASE)
        relevant = [passage for passage in evidence if named.search(passage.text)]
        return relevant, "\n\n".join(passage.text for passage in relevant)

    def _rationale(self, draft: Draft, evidence: list[Evidence], context: str, *, actor: str) -> Rationale:
        if draft.rationale:  # a model proposer wrote one: check its citations like any other
            cited, supported = cited_tags(draft.rationale, tagged_sources(evidence, context))
            return Rationale(draft.rationale, supported, self.prompt.ref, cited)
        action = self.registry.get(draft.action)
        return draft_rationale(
            self.runtime,
            self.prompt,
            actor=actor,
            action=action,
            params=draft.params,
            evidence=evidence,
            context=context,
        )

    def _guard_escalations(self, verdict: Any) -> list[tuple[Risk, str]]:
        """Findings the guards let through (redacted, warned) still raise the risk."""
        found: list[tuple[Risk, str]] = []
        for result in verdict.results:
            risk = self.rules.guard_findings.get(result.guard)
            if risk is not None and result.findings:
                kinds = sorted({finding.type for finding in result.findings})
                found.append((risk, f"guard {result.guard} found {', '.join(kinds)} in the request"))
        return found


def _query(text: str, action: str, params: dict[str, Any]) -> str:
    values = " ".join(str(value) for value in params.values() if isinstance(value, str | int | float))
    return f"{text} {action.replace('_', ' ')} {values}"


def _merge(first: list[Evidence], second: list[Evidence]) -> list[Evidence]:
    seen = {passage.id for passage in first}
    return [*first, *(passage for passage in second if passage.id not in seen)][: EVIDENCE_K + 2]


def request_fingerprint(request: ProposalCreate) -> str:
    """Hash of the request body, so a reused Idempotency-Key with a different body is caught."""
    return hashlib.sha256(json.dumps(request.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
