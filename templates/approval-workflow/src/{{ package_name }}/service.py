"""The approval workflow: propose, review, execute, roll back; every step one transaction.

A state change, its history event, its audit entry, its webhook and (for an approval that
completes a proposal) the execution job are written in ONE database transaction, through the
platform outbox. So after any crash either all of them exist or none: the audit log never
holds a record of a change that did not commit, and an approved proposal is always executed
by some worker, exactly once, even if nobody calls `/execute`.

Nothing executes unless its proposal reached `approved` (enough distinct people, none of them
the requester or the proposing client, said yes) or `auto_approved` (low risk where the
project tier allows it). Refused attempts are audited too (directly: they change nothing).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

from .actions import ActionRegistry, Change, ExecutionContext, default_registry
from .config import ApprovalSettings, get_approval_settings
from .evidence import EvidenceSource, KnowledgeEvidence
from .intake import Intake, Prepared, request_fingerprint
from .platform.assets import Prompt, load_prompt
from .platform.audit.drain import AuditOutbox
from .platform.audit.log import AuditContentError, AuditEntry, check_entry
from .platform.database import Database, Transaction, open_database
from .platform.identity import canonical_identity
from .platform.outbox import Message, Outbox
from .platform.runtime import Runtime
from .platform.webhooks import TOPIC as WEBHOOK_TOPIC
from .proposals import (
    EXECUTABLE,
    OPEN,
    TRANSITIONS,
    Act,
    ApprovalError,
    ExecutionFailed,
    IdempotencyConflict,
    InvalidProposal,
    Proposal,
    ProposalNotFound,
    SeparationOfDuties,
    State,
    StateConflict,
    illegal,
)
from .proposer import LocalProposer, ModelProposer, Proposer
from .risk import RULES_FILE, RiskRules, load_rules
from .schemas import ProposalCreate, Revision
from .store import DuplicateProposal, ProposalStore

Clock = Callable[[], datetime]
SYSTEM = "system:workflow"
EXECUTE_TOPIC = "execute"
MAX_AUDIT_TEXT = 200  # audit fields hold metadata, not prose
RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0)
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProposalService:
    def __init__(
        self,
        runtime: Runtime,
        db: Database,
        registry: ActionRegistry,
        rules: RiskRules,
        prompt: Prompt,
        *,
        evidence: EvidenceSource,
        proposer: Proposer | None = None,
        settings: ApprovalSettings | None = None,
        clock: Clock = utc_now,
    ) -> None:
        rules.require_actions(registry.names())
        self.runtime, self.db, self.registry, self.rules, self.prompt = runtime, db, registry, rules, prompt
        self.settings = settings or ApprovalSettings()
        self.clock = clock
        self.store = ProposalStore(db, registry.schema())
        self.outbox = Outbox(db)
        self.audit = AuditOutbox(
            self.outbox,
            runtime.audit,
            source=f"approvals:{self.outbox.instance}",
            on_record=lambda record: runtime.telemetry.audit_appended(record.action, record.decision),
        )
        self.intake = Intake(runtime, registry, rules, prompt, evidence, proposer or LocalProposer(registry))
        self.background: Any = None  # worker threads next to the API, if the app started any
        self.owns_evidence = False  # close the evidence source with the service

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
        url = database_url if database_url is not None else "" if db_path is not None else platform.database_url
        sqlite = db_path or platform.path(platform.data_dir) / "approvals.sqlite3"
        db = open_database(url, sqlite_path=sqlite, postgres_schema=approval.db_schema)
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

    def close(self) -> None:
        if self.background is not None:
            self.background.close()
        if self.owns_evidence:
            self.intake.evidence.close()
        self.db.close()

    def _now(self) -> datetime:
        return self.clock()

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
        self._after_commit()
        if proposal.state in EXECUTABLE and self.settings.execute_inline:
            return self._execute_now(proposal.id), True
        return self.get(proposal.id), True

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

    # -- reading -------------------------------------------------------------------------------

    def get(self, proposal_id: str) -> Proposal:
        with self.db.reading() as tx:
            return self._load(tx, proposal_id)

    def list_proposals(self, state: State | None = None, limit: int = 50, **filters: Any) -> list[Proposal]:
        return self.store.search(states=[state] if state else None, limit=limit, **filters)

    def changes(self, proposal: Proposal) -> list[Change]:
        """What executing the proposal would change, read now (the reviewer's diff)."""
        action = self.registry.get(proposal.action)
        if action.preview is None:
            return []
        with self.db.reading() as tx:
            return action.preview(action.params.model_validate(proposal.params), tx)

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
        self._after_commit()
        if completed and self.settings.execute_inline:
            return self._execute_now(proposal_id)
        return self.get(proposal_id)

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
        self._after_commit()
        if routed.state in EXECUTABLE and self.settings.execute_inline:
            return self._execute_now(proposal_id)
        return self.get(proposal_id)

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
        self._after_commit()
        if self.settings.execute_inline:
            return self._execute_now(proposal_id)
        return self.get(proposal_id)

    # -- executing -----------------------------------------------------------------------------

    def execute(self, proposal_id: str, *, actor: str) -> Proposal:
        """Run an approved action now; a retry of an executed proposal returns the first result."""
        return self._execute(proposal_id, actor=actor, job=None)

    def run_job(self, job: Message, *, worker: str) -> Proposal | None:
        """A worker's turn at one execution job (claimed from the outbox)."""
        try:
            return self._execute(job.payload["proposal"], actor=worker, job=job)
        except ApprovalError:
            return None  # recorded on the proposal; the job was rescheduled or closed in the same transaction

    def _execute_now(self, proposal_id: str) -> Proposal:
        """The fast path after a commit that made a proposal executable; the worker is the backstop."""
        jobs = self.outbox.claim(EXECUTE_TOPIC, worker=SYSTEM, now=self._now(), key=proposal_id, limit=1)
        for job in jobs:
            self.run_job(job, worker=SYSTEM)
        return self.get(proposal_id)

    def _execute(self, proposal_id: str, *, actor: str, job: Message | None) -> Proposal:
        now = self._now()
        refused: ApprovalError | None = None
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            if job is not None and proposal.state not in EXECUTABLE:
                self.outbox.done(job.id, now=now, tx=tx)  # executed, expired or rejected meanwhile
                return proposal
            if proposal.state == State.EXECUTED:
                self.runtime.record(
                    actor=actor, action="proposal.execute", decision="replayed", details={"proposal": proposal_id}
                )
                return proposal
            if proposal.state not in EXECUTABLE:
                self._refuse(actor, "proposal.execute", proposal, illegal(proposal, Act.EXECUTE))
            if _iso(now) >= proposal.expires_at:
                self._transition(
                    tx,
                    proposal,
                    Act.EXPIRE,
                    State.EXPIRED,
                    actor=SYSTEM,
                    now=now,
                    details={"reason": "execution window passed"},
                )
                self.outbox.finish(tx, EXECUTE_TOPIC, proposal_id, now=now)
                if job is not None:
                    return proposal
                refused: ApprovalError = StateConflict(f"proposal {proposal_id} expired before it was executed")
            else:
                refused = self._run_executor(tx, proposal, actor=actor, now=now, job=job)
        self._after_commit()
        if refused is not None:
            raise refused
        return self.get(proposal_id)

    def _run_executor(
        self, tx: Transaction, proposal: Proposal, *, actor: str, now: datetime, job: Message | None
    ) -> ExecutionFailed | None:
        action = self.registry.get(proposal.action)
        attempts = proposal.attempts + 1
        context = ExecutionContext(db=tx, proposal_id=proposal.id, actor=actor, now=_iso(now))
        try:
            with tx.savepoint("executor"):
                result = action.execute(action.params.model_validate(proposal.params), context)
        except Exception as error:  # noqa: BLE001 - any executor failure is recorded, retried or failed
            reason = f"{type(error).__name__}: {error}"[:500]
            final = attempts >= self.settings.execution_attempts
            to_state = State.FAILED if final else proposal.state
            self._transition(
                tx,
                proposal,
                Act.EXECUTE,
                to_state,
                actor=actor,
                now=now,
                note=f"attempt {attempts} failed",
                last_error=reason,
                attempts=attempts,
                details={"error": type(error).__name__, "attempt": str(attempts)},
            )
            if final:
                self.outbox.finish(tx, EXECUTE_TOPIC, proposal.id, now=now)
            elif job is not None:
                delay = RETRY_DELAYS_S[min(attempts - 1, len(RETRY_DELAYS_S) - 1)]
                self.outbox.retry(job.id, error=reason, now=now, delay_s=delay, tx=tx)
            else:
                self.outbox.finish(tx, EXECUTE_TOPIC, proposal.id, now=now)
                self.outbox.put(
                    tx, EXECUTE_TOPIC, {"proposal": proposal.id}, key=proposal.id, now=now, delay_s=RETRY_DELAYS_S[0]
                )
            outcome = (
                "failed for good" if final else f"will be retried ({attempts} of {self.settings.execution_attempts})"
            )
            return ExecutionFailed(f"{proposal.action} failed; proposal {proposal.id} {outcome}: {reason}")
        self._transition(
            tx,
            proposal,
            Act.EXECUTE,
            State.EXECUTED,
            actor=actor,
            now=now,
            executed_at=_iso(now),
            result=result,
            last_error=None,
            attempts=attempts,
            details={"approved_by": ",".join(proposal.approved_by) or "auto"},
        )
        self.outbox.finish(tx, EXECUTE_TOPIC, proposal.id, now=now)
        return None

    def rollback(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        """Undo an executed action with its compensating executor, in one transaction."""
        now = self._now()
        with self.db.transaction() as tx:
            proposal = self._load(tx, proposal_id, lock=True)
            if proposal.state == State.ROLLED_BACK:
                return proposal
            action = self.registry.get(proposal.action)
            if (proposal.state, Act.ROLLBACK) not in _ALLOWED:
                self._refuse(actor, "proposal.rollback", proposal, illegal(proposal, Act.ROLLBACK))
            if action.compensate is None:
                message = f"{proposal.action} has no compensating step; it cannot be rolled back"
                self._refuse(actor, "proposal.rollback", proposal, StateConflict(message))
            context = ExecutionContext(db=tx, proposal_id=proposal.id, actor=actor, now=_iso(now))
            try:
                with tx.savepoint("compensate"):
                    undo = action.compensate(action.params.model_validate(proposal.params), context)
            except Exception as error:  # noqa: BLE001
                reason = error if isinstance(error, ApprovalError) else ExecutionFailed(f"rollback failed: {error}")
                self._refuse(actor, "proposal.rollback", proposal, reason)
            result = {"execution": proposal.result, "rollback": undo}
            self._transition(
                tx,
                proposal,
                Act.ROLLBACK,
                State.ROLLED_BACK,
                actor=actor,
                now=now,
                note=note,
                details={"note": self.runtime.audit.hash_text(note)},
                result=result,
            )
        self._after_commit()
        return self.get(proposal_id)

    # -- timers --------------------------------------------------------------------------------

    def expire_due(self) -> list[str]:
        """Expire open proposals past their expiry and approved ones past their execution window."""
        now = self._now()
        states = (*[str(state) for state in OPEN], *[str(state) for state in EXECUTABLE])
        marks = ", ".join("?" * len(states))
        expired = []
        for proposal_id in self.store.ids_where(f"state IN ({marks}) AND expires_at <= ?", (*states, _iso(now))):
            with self.db.transaction() as tx:
                proposal = self._load(tx, proposal_id, lock=True)
                if (proposal.state, Act.EXPIRE) not in _ALLOWED or proposal.expires_at > _iso(now):
                    continue
                self._transition(
                    tx,
                    proposal,
                    Act.EXPIRE,
                    State.EXPIRED,
                    actor=SYSTEM,
                    now=now,
                    details={"expires_at": proposal.expires_at},
                )
                self.outbox.finish(tx, EXECUTE_TOPIC, proposal_id, now=now)
            expired.append(proposal_id)
        if expired:
            self._after_commit()
        return expired

    def escalate_due(self) -> list[str]:
        """Hand pending proposals whose review is overdue to the rules' second group."""
        now = self._now()
        escalated = []
        condition = "state = ? AND escalated_to IS NULL AND review_due_at IS NOT NULL AND review_due_at <= ?"
        for proposal_id in self.store.ids_where(condition, (str(State.PENDING_REVIEW), _iso(now))):
            with self.db.transaction() as tx:
                proposal = self._load(tx, proposal_id, lock=True)
                sla = self.rules.sla.get(proposal.risk)  # type: ignore[call-overload]
                if proposal.state != State.PENDING_REVIEW or proposal.escalated_to or sla is None:
                    continue
                if proposal.expires_at <= _iso(now):
                    continue  # expiring, not escalating
                self._transition(
                    tx,
                    proposal,
                    "escalate",
                    State.PENDING_REVIEW,
                    actor=SYSTEM,
                    now=now,
                    note=f"review overdue; escalated to {sla.escalate_to}",
                    details={"escalated_to": sla.escalate_to},
                    escalated_to=sla.escalate_to,
                )
            escalated.append(proposal_id)
        if escalated:
            self._after_commit()
        return escalated

    def drain_audit(self) -> int:
        return self.audit.drain()

    # -- the one way state changes ---------------------------------------------------------------

    def _transition(
        self,
        tx: Transaction,
        proposal: Proposal,
        act: Act | str,
        to_state: State,
        *,
        actor: str,
        now: datetime,
        note: str = "",
        details: dict[str, Any] | None = None,
        routed: Proposal | None = None,
        **changes: Any,
    ) -> None:
        """Move the proposal and, in the same transaction, write its event, audit entry, webhook and job."""
        self.store.move(tx, proposal, to_state, now=_iso(now), **changes)
        self._record(
            tx,
            routed or replace(proposal, **{k: v for k, v in changes.items() if k != "result"}),
            act,
            proposal.state,
            to_state,
            actor=actor,
            now=now,
            note=note,
            details=details,
        )

    def _record(
        self,
        tx: Transaction,
        proposal: Proposal,
        act: Act | str,
        from_state: State,
        to_state: State,
        *,
        actor: str,
        now: datetime,
        note: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        event_id = f"evt_{secrets.token_hex(8)}"
        self.store.add_event(
            tx, event_id, proposal.id, str(act), from_state, to_state, actor=actor, at=_iso(now), note=note[:2000]
        )
        facts = {
            "proposal": proposal.id,
            "event": event_id,
            "action": proposal.action,
            "risk": proposal.risk,
            "score": str(proposal.risk_score),
            "revision": str(proposal.revision),
            "requested_by": proposal.requested_by,
            **(details or {}),
        }
        if act in ("create", Act.REVISE):
            facts |= {
                "reasons": proposal.risk_reasons,
                "policy_version": proposal.policy_version,
                "project_tier": self.runtime.governance.risk_tier,
                "proposer": proposal.proposer,
            }
        entry = AuditEntry(
            actor=actor,
            action=f"proposal.{act}",
            decision=str(to_state),
            details=_audit_safe(facts, self.runtime.audit.hash_text),
        )
        self.audit.put(tx, entry, now=now)
        if self.settings.webhook_url:
            event = {
                "id": event_id,
                "type": f"proposal.{act}",
                "proposal": proposal.id,
                "action": proposal.action,
                "from_state": str(from_state),
                "state": str(to_state),
                "risk": proposal.risk,
                "actor": actor,
                "at": _iso(now),
            }
            self.outbox.put(tx, WEBHOOK_TOPIC, event, key=event_id, now=now)
        if to_state in EXECUTABLE and from_state != to_state:
            self.outbox.put(tx, EXECUTE_TOPIC, {"proposal": proposal.id}, key=proposal.id, now=now)

    def _after_commit(self) -> None:
        """Copy committed audit entries to the log now; if this fails the worker drains them later."""
        try:
            self.audit.drain()
        except Exception:  # noqa: BLE001 - the entries are safe in the outbox
            log.exception("audit drain failed; the worker will retry")

    # -- checks --------------------------------------------------------------------------------

    def _check_independent(self, proposal: Proposal, actor: str, audit_action: str) -> None:
        """Four eyes: the decider is neither the requester nor the proposing client (canonical names)."""
        me = canonical_identity(actor)
        if me == canonical_identity(proposal.requested_by):
            message = f"{actor!r} requested {proposal.id} and cannot decide it; another approver must"
            self._refuse(actor, audit_action, proposal, SeparationOfDuties(message))
        if me == canonical_identity(proposal.proposed_by):
            message = f"{actor!r} proposed {proposal.id} and cannot approve it; another approver must"
            self._refuse(actor, audit_action, proposal, SeparationOfDuties(message))

    def _refuse_if_expired(
        self, tx: Transaction, proposal: Proposal, actor: str, audit_action: str, now: datetime
    ) -> None:
        if _iso(now) >= proposal.expires_at:
            self._refuse(actor, audit_action, proposal, StateConflict(f"proposal {proposal.id} has expired"))

    def _load(self, tx: Transaction, proposal_id: str, *, lock: bool = False) -> Proposal:
        proposal = self.store.get(tx, proposal_id, lock=lock)
        if proposal is None:
            raise ProposalNotFound(f"no proposal with id {proposal_id!r}")
        return proposal

    def _refuse(self, actor: str, audit_action: str, proposal: Proposal, error: ApprovalError) -> NoReturn:
        """Audit a refused attempt (it changes nothing, so it needs no transaction), then raise it."""
        details = {"proposal": proposal.id, "state": proposal.state, "reason": error.detail[:MAX_AUDIT_TEXT]}
        self.runtime.record(
            actor=actor,
            action=audit_action,
            decision=f"refused:{error.code}",
            details=_audit_safe(details, self.runtime.audit.hash_text),
        )
        raise error


_ALLOWED = frozenset(TRANSITIONS)
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


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _audit_safe(details: dict[str, Any], hash_text: Callable[[str], str]) -> dict[str, Any]:
    """Audit details hold metadata: a long or e-mail-like value is replaced by its (keyed) hash."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(key): clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        if not isinstance(value, str):
            return str(value)
        try:
            check_entry(AuditEntry(actor="x", action="x", decision="x", details={"value": value}))
        except AuditContentError:
            return hash_text(value)
        return value

    return clean(details)
