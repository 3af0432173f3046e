"""The approval workflow's front door: propose, decide, revise, retry (execution: execution.py).

Nothing executes unless its proposal reached `approved` (enough distinct people, none of them
the requester or the proposing client, said yes) or `auto_approved` (low risk where the project
tier allows it). Every step is one transaction that writes the state change together with its
event, audit entry, webhook and execution job (workflow.py).
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .actions import default_registry
from .config import ApprovalSettings, get_approval_settings
from .evidence import EvidenceSource, KnowledgeEvidence
from .execution import Executing
from .intake import Prepared, request_fingerprint
from .platform.assets import load_prompt
from .platform.database import Transaction, open_pattern_database
from .platform.identity import canonical_identity
from .platform.runtime import Runtime
from .proposals import (
    EXECUTABLE,
    Act,
    IdempotencyConflict,
    InvalidProposal,
    Proposal,
    SeparationOfDuties,
    State,
    illegal,
)
from .proposer import LocalProposer, ModelProposer, Proposer
from .risk import RULES_FILE, load_rules
from .schemas import ProposalCreate, Revision
from .store import DuplicateProposal
from .workflow import _ALLOWED, EXECUTE_TOPIC, SYSTEM, Clock, _iso, utc_now

__all__ = ["EXECUTE_TOPIC", "SYSTEM", "Clock", "ProposalService", "utc_now"]
# What a revision may change (the rest of the proposal is its history).
_REVISED = (
    "params",
    "context",
    "evidence",
    "rationale",
    "rationale_supported",
    "confidence",
    "prompt_version",
    "risk",
    "risk_score",
    "risk_reasons",
    "policy_version",
    "approvals_required",
    "expires_at",
    "review_due_at",
    "amount_base",
    "revision",
    "escalated_to",
)


class ProposalService(Executing):
    @classmethod
    def from_runtime(
        cls,
        runtime: Runtime,
        *,
        db_path: Path | None = None,
        database_url: str | None = None,
        clock: Clock = utc_now,
        settings: ApprovalSettings | None = None,
        evidence: EvidenceSource | None = None,
    ) -> ProposalService:
        """The service as configured; `db_path` forces a SQLite file (evals use a scratch one)."""
        platform, approval = runtime.settings, settings or get_approval_settings()
        registry = default_registry()
        db = open_pattern_database(
            platform,
            "approvals.sqlite3",
            postgres_schema=approval.db_schema,
            db_path=db_path,
            database_url=database_url,
        )
        rules = load_rules(platform.path(RULES_FILE))
        prompt = load_prompt(platform, "propose")
        proposer: Proposer = LocalProposer(registry)
        if approval.proposer == "model":
            proposer = ModelProposer(runtime, registry, load_prompt(platform, "propose_action"))
        owned = evidence is None
        service = cls(
            runtime,
            db,
            registry,
            rules,
            prompt,
            evidence=evidence or KnowledgeEvidence.from_runtime(runtime),
            proposer=proposer,
            settings=approval,
            clock=clock,
        )
        service.owns_evidence = owned
        return service

    # -- proposing ---------------------------------------------------------------------------

    def propose(
        self, request: ProposalCreate, *, actor: str, idempotency_key: str, clearance: str = "internal"
    ) -> tuple[Proposal, bool]:
        """Create a proposal, or return the one this key already created (`False` = replayed).

        `clearance` bounds the evidence the proposer and the rationale may see (the caller's).
        """
        fingerprint = request_fingerprint(request)
        existing = self.store.find_by_key(actor, idempotency_key)
        if existing is not None:
            return self._replay(existing, fingerprint), False
        prepared = self.intake.prepare(request, actor=actor, clearance=clearance)
        now = self._now()
        requested_by = request.requested_by or actor
        expiry = timedelta(
            hours=min(request.expires_in_hours or self.rules.default_expiry_hours, self.rules.default_expiry_hours)
        )
        try:
            with self.db.transaction() as tx:
                proposal = self._routed(
                    tx,
                    prepared,
                    now=now,
                    base=Proposal(
                        id=f"prop_{secrets.token_hex(6)}",
                        requested_by=requested_by,
                        proposed_by=actor,
                        idempotency_key=idempotency_key,
                        request_hash=fingerprint,
                        request_text=request.request,
                        action="",
                        params={},
                        subject="",
                        amount_base=0.0,
                        context=request.context,
                        evidence=[],
                        rationale="",
                        rationale_supported=False,
                        confidence=0.0,
                        proposer="",
                        prompt_version="",
                        risk="low",
                        risk_score=0,
                        risk_reasons=[],
                        policy_version="",
                        approvals_required=1,
                        state=State.PROPOSED,
                        revision=1,
                        created_at=_iso(now),
                        updated_at=_iso(now),
                        expires_at=_iso(now + expiry),
                    ),
                )
                self.store.insert(tx, proposal)
                self._record(tx, proposal, "create", State.PROPOSED, proposal.state, actor=actor, now=now)
        except DuplicateProposal:  # a concurrent retry with the same key won the race
            winner = self.store.find_by_key(actor, idempotency_key)
            assert winner is not None
            return self._replay(winner, fingerprint), False
        return self._then_execute(proposal.id, proposal.state in EXECUTABLE), True

    def _routed(self, tx: Transaction, prepared: Prepared, *, now: datetime, base: Proposal) -> Proposal:
        """Classify inside the transaction (cumulative limits see every other proposal) and route."""
        draft = prepared.draft
        subject = self.rules.subject_of(draft.action, draft.params)
        prior = 0.0
        window = self.rules.window_days(draft.action)
        if subject and window:
            tx.lock(subject)  # two proposals on one order are classified one after the other
            since = _iso(now - timedelta(days=window))
            prior = self.store.cumulative(tx, subject, since, exclude=base.id)
        assessment = self.rules.classify(draft.action, draft.params, prepared.text, prior_amount_base=prior)
        for risk, reason in prepared.escalations:
            assessment = assessment.at_least(risk, reason)
        assessment = assessment.scored(self.rules.score_thresholds)
        tier = self.runtime.governance.risk_tier
        auto = self.rules.may_auto_approve(assessment.risk, tier)
        state = State.AUTO_APPROVED if auto else State.PENDING_REVIEW
        sla = self.rules.sla.get(assessment.risk)
        expires_at = base.expires_at
        if auto:
            expires_at = _iso(now + timedelta(hours=self.rules.execution_window_hours))
        return replace(
            base,
            action=draft.action,
            params=draft.params,
            subject=subject,
            amount_base=self.rules.amount_in_base(draft.action, draft.params) or 0.0,
            context=prepared.context,
            evidence=prepared.evidence_rows(),
            rationale=prepared.rationale.text,
            rationale_supported=prepared.rationale.supported,
            confidence=draft.confidence,
            proposer=draft.proposer,
            prompt_version=prepared.rationale.prompt_version,
            risk=assessment.risk,
            risk_score=assessment.score,
            risk_reasons=list(assessment.reasons),
            policy_version=assessment.policy_version,
            approvals_required=self.rules.approvals_for(assessment.risk),
            state=state,
            updated_at=_iso(now),
            expires_at=expires_at,
            review_due_at=None if auto or sla is None else _iso(now + timedelta(hours=sla.review_within_hours)),
        )

    def _replay(self, existing: Proposal, request_hash: str) -> Proposal:
        """A retried create returns the original; a reused key with a different body is refused."""
        if existing.request_hash != request_hash:
            message = (
                f"Idempotency-Key was already used for a different request (proposal {existing.id}); use a new key"
            )
            self._refuse(existing.proposed_by, "proposal.create", existing, IdempotencyConflict(message))
        self.runtime.record(
            actor=existing.proposed_by, action="proposal.create", decision="replayed", details={"proposal": existing.id}
        )
        return existing

    # -- deciding ------------------------------------------------------------------------------

    def approve(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        """Record one approval; the proposal is approved once enough distinct people approved."""
        now = self._now()
        completed = False
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            me = canonical_identity(actor)
            if actor in proposal.approved_by:
                return proposal  # a retried approval changes nothing
            if me in {canonical_identity(name) for name in proposal.approved_by}:
                message = f"{actor!r} is the same person as an earlier approver of {proposal_id}; another approver must"
                self._refuse(actor, "proposal.approve", proposal, SeparationOfDuties(message))
            if (proposal.state, Act.APPROVE) not in _ALLOWED:
                self._refuse(actor, "proposal.approve", proposal, illegal(proposal, Act.APPROVE))
            self._refuse_if_expired(tx, proposal, actor, "proposal.approve", now)
            self._check_independent(proposal, actor, "proposal.approve")
            if proposal.risk in self.rules.note_required_for and not note.strip():
                message = f"approving a {proposal.risk}-risk proposal needs a note saying why"
                self._refuse(actor, "proposal.approve", proposal, InvalidProposal(message))
            self.store.add_approval(tx, proposal, actor, me, _iso(now), note)
            count = len(proposal.approvals) + 1
            completed = count >= proposal.approvals_required
            to_state = State.APPROVED if completed else State.PENDING_REVIEW
            changes: dict[str, Any] = {}
            if completed:
                window = timedelta(hours=self.rules.execution_window_hours)
                changes = {"decided_by": actor, "decision_note": note, "expires_at": _iso(now + window)}
            self._transition(
                tx,
                proposal,
                Act.APPROVE,
                to_state,
                actor=actor,
                now=now,
                note=note,
                details={
                    "approvals": f"{count}/{proposal.approvals_required}",
                    "note": self.runtime.audit.hash_text(note),
                },
                **changes,
            )
        return self._then_execute(proposal_id, completed)

    def reject(self, proposal_id: str, *, actor: str, note: str) -> Proposal:
        return self._close(proposal_id, Act.REJECT, State.REJECTED, actor=actor, note=note)

    def request_changes(self, proposal_id: str, *, actor: str, note: str) -> Proposal:
        return self._close(proposal_id, Act.REQUEST_CHANGES, State.CHANGES_REQUESTED, actor=actor, note=note)

    def _close(self, proposal_id: str, act: Act, to_state: State, *, actor: str, note: str) -> Proposal:
        now = self._now()
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            if proposal.state == to_state and proposal.decided_by == actor:
                return proposal  # a retried decision changes nothing
            if (proposal.state, act) not in _ALLOWED:
                self._refuse(actor, f"proposal.{act}", proposal, illegal(proposal, act))
            self._refuse_if_expired(tx, proposal, actor, f"proposal.{act}", now)
            if not note.strip():
                self._refuse(actor, f"proposal.{act}", proposal, InvalidProposal(f"{act} needs a note saying why"))
            if act == Act.REQUEST_CHANGES:
                self._check_independent(proposal, actor, f"proposal.{act}")
            self._transition(
                tx,
                proposal,
                act,
                to_state,
                actor=actor,
                now=now,
                note=note,
                details={"note": self.runtime.audit.hash_text(note)},
                decided_by=actor,
                decision_note=note,
            )
        self._after_commit()
        return self.get(proposal_id)

    def revise(self, proposal_id: str, revision: Revision, *, actor: str, clearance: str = "internal") -> Proposal:
        """The proposer answers a change request; the proposal is classified and routed again."""
        current = self.get(proposal_id)
        if current.proposed_by != actor:
            message = f"only {current.proposed_by!r}, who proposed {proposal_id}, can revise it"
            self._refuse(actor, "proposal.revise", current, SeparationOfDuties(message))
        if current.state != State.CHANGES_REQUESTED:
            self._refuse(actor, "proposal.revise", current, illegal(current, Act.REVISE))
        request = ProposalCreate(
            request=current.request_text,
            requested_by=current.requested_by,
            action=current.action,
            params=current.params if revision.params is None else revision.params,
            context=current.context if revision.context is None else revision.context,
        )
        prepared = self.intake.prepare(request, actor=actor, clearance=clearance)
        now = self._now()
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            if proposal.state != State.CHANGES_REQUESTED:
                self._refuse(actor, "proposal.revise", proposal, illegal(proposal, Act.REVISE))
            expires = _iso(now + timedelta(hours=self.rules.default_expiry_hours))
            routed = self._routed(tx, prepared, now=now, base=replace(proposal, expires_at=expires))
            routed = replace(routed, revision=proposal.revision + 1, escalated_to=None)
            self._transition(
                tx,
                proposal,
                Act.REVISE,
                routed.state,
                actor=actor,
                now=now,
                note=revision.note,
                routed=routed,
                details={"note": self.runtime.audit.hash_text(revision.note)},
                **{name: getattr(routed, name) for name in _REVISED},
            )
        return self._then_execute(proposal_id, routed.state in EXECUTABLE)

    def retry(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        """Give a failed execution another round of attempts."""
        now = self._now()
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            if (proposal.state, Act.RETRY) not in _ALLOWED:
                self._refuse(actor, "proposal.retry", proposal, illegal(proposal, Act.RETRY))
            window = timedelta(hours=self.rules.execution_window_hours)
            self._transition(
                tx,
                proposal,
                Act.RETRY,
                State.APPROVED,
                actor=actor,
                now=now,
                note=note,
                details={"note": self.runtime.audit.hash_text(note)},
                attempts=0,
                expires_at=_iso(now + window),
            )
        return self._then_execute(proposal_id, True)
