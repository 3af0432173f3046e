"""The approval workflow: propose, review, execute, roll back, with every step audited.

Nothing executes unless its proposal reached `approved` (a human other than the
proposer said yes) or `auto_approved` (low risk, and the project tier allows it).
Refused attempts are audited too, so the log shows who tried what and why it failed.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

from .actions import ActionRegistry, ExecutionContext, default_registry
from .intake import Intake, request_fingerprint
from .platform.assets import Prompt, load_prompt
from .platform.runtime import Runtime
from .proposals import (
    EXECUTABLE,
    ApprovalError,
    ExecutionFailed,
    IdempotencyConflict,
    InvalidProposal,
    Proposal,
    ProposalNotFound,
    SeparationOfDuties,
    State,
    StateConflict,
)
from .risk import RULES_FILE, RiskRules, load_rules
from .schemas import ProposalCreate
from .store import DuplicateProposal, ProposalStore

Clock = Callable[[], datetime]
EXPIRY_ACTOR = "system:expiry"
MAX_AUDIT_TEXT = 200  # audit fields hold metadata, not prose


def utc_now() -> datetime:
    return datetime.now(UTC)


class ProposalService:
    def __init__(
        self,
        runtime: Runtime,
        store: ProposalStore,
        registry: ActionRegistry,
        rules: RiskRules,
        prompt: Prompt,
        *,
        clock: Clock = utc_now,
    ) -> None:
        rules.require_actions(registry.names())
        self.runtime, self.store, self.registry, self.rules, self.prompt = runtime, store, registry, rules, prompt
        self.clock = clock
        self.intake = Intake(runtime, registry, rules, prompt)

    @classmethod
    def from_runtime(cls, runtime: Runtime, *, db_path: Path | None = None, clock: Clock = utc_now) -> ProposalService:
        settings = runtime.settings
        registry = default_registry()
        store = ProposalStore(db_path or settings.path(settings.data_dir) / "approvals.sqlite3", registry.schema())
        rules = load_rules(settings.path(RULES_FILE))
        return cls(runtime, store, registry, rules, load_prompt(settings, "propose"), clock=clock)

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def propose(self, request: ProposalCreate, *, actor: str, idempotency_key: str) -> tuple[Proposal, bool]:
        """Create a proposal, or return the one this key already created (`False` = replayed)."""
        existing = self.store.find_by_key(actor, idempotency_key)
        if existing is not None:
            return self._replay(existing, request_fingerprint(request)), False
        proposal = self.intake.draft(request, actor=actor, idempotency_key=idempotency_key, now=self.clock())
        details = {"proposal": proposal.id, "action": proposal.action, "risk": proposal.risk}
        details |= {"reasons": proposal.risk_reasons, "policy_version": proposal.policy_version}
        details["project_tier"] = self.runtime.governance.risk_tier
        try:
            with self.store.transaction() as conn:
                self.store.insert(conn, proposal)
                seq = self.runtime.record(
                    actor=actor, action="proposal.create", decision=proposal.state, details=details
                )
                self.store.add_event(
                    conn,
                    proposal.id,
                    State.PROPOSED,
                    proposal.state,
                    actor=actor,
                    at=proposal.created_at,
                    audit_seq=seq,
                )
        except DuplicateProposal:  # a concurrent retry with the same key won the race
            winner = self.store.find_by_key(actor, idempotency_key)
            assert winner is not None
            return self._replay(winner, proposal.request_hash), False
        if proposal.state == State.AUTO_APPROVED:
            try:
                return self.execute(proposal.id, actor=actor), True
            except ExecutionFailed:
                return self.get(proposal.id), True  # stays auto_approved with last_error; execute again to retry
        return proposal, True

    def _replay(self, existing: Proposal, request_hash: str) -> Proposal:
        """A retried create returns the original; a reused key with a different body is refused."""
        if existing.request_hash != request_hash:
            message = (
                f"Idempotency-Key was already used for a different request (proposal {existing.id}); use a new key"
            )
            self._refuse(existing.proposed_by, "proposal.create", existing, IdempotencyConflict(message))
        details = {"proposal": existing.id}
        self.runtime.record(actor=existing.proposed_by, action="proposal.create", decision="replayed", details=details)
        return existing

    def get(self, proposal_id: str) -> Proposal:
        self.expire_due()
        with self.store.reading() as conn:
            return self._load(conn, proposal_id)

    def list_proposals(self, state: State | None = None, limit: int = 50) -> list[Proposal]:
        self.expire_due()
        return self.store.recent(state, limit)

    def approve(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        return self._decide(proposal_id, State.APPROVED, actor=actor, note=note)

    def reject(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        return self._decide(proposal_id, State.REJECTED, actor=actor, note=note)

    def _decide(self, proposal_id: str, to_state: State, *, actor: str, note: str) -> Proposal:
        self.expire_due()
        audit_action = "proposal.approve" if to_state == State.APPROVED else "proposal.reject"
        with self.store.transaction() as conn:
            proposal = self._load(conn, proposal_id)
            if proposal.state == to_state and proposal.decided_by == actor:
                return proposal  # a retried decision changes nothing
            if proposal.state != State.PENDING_REVIEW:
                message = f"proposal {proposal_id} is {proposal.state}; only pending_review proposals can be decided"
                self._refuse(actor, audit_action, proposal, StateConflict(message))
            now = self._now()
            if now >= proposal.expires_at:
                self._refuse(actor, audit_action, proposal, StateConflict(f"proposal {proposal_id} has expired"))
            if to_state == State.APPROVED and actor == proposal.proposed_by:
                message = f"{actor!r} proposed {proposal_id} and cannot approve it; another approver must"
                self._refuse(actor, audit_action, proposal, SeparationOfDuties(message))
            if to_state == State.APPROVED and proposal.risk in self.rules.note_required_for and not note.strip():
                message = f"approving a {proposal.risk}-risk proposal needs a note saying why"
                self._refuse(actor, audit_action, proposal, InvalidProposal(message))
            self.store.move(conn, proposal, to_state, now=now, decided_by=actor, decision_note=note)
            details = {
                "proposal": proposal_id,
                "action": proposal.action,
                "risk": proposal.risk,
                "note": self.runtime.audit.hash_text(note),
            }
            seq = self.runtime.record(actor=actor, action=audit_action, decision=to_state, details=details)
            self.store.add_event(conn, proposal_id, proposal.state, to_state, actor=actor, at=now, audit_seq=seq)
        return self.get(proposal_id)

    def execute(self, proposal_id: str, *, actor: str) -> Proposal:
        """Run the action once; a retry of an executed proposal returns the first result."""
        self.expire_due()
        failure = ""
        with self.store.transaction() as conn:
            proposal = self._load(conn, proposal_id)
            if proposal.state == State.EXECUTED:
                self.runtime.record(
                    actor=actor, action="proposal.execute", decision="replayed", details={"proposal": proposal_id}
                )
                return proposal
            if proposal.state not in EXECUTABLE:
                message = (
                    f"proposal {proposal_id} is {proposal.state}; only approved or auto_approved proposals execute"
                )
                self._refuse(actor, "proposal.execute", proposal, StateConflict(message))
            action = self.registry.get(proposal.action)
            now = self._now()
            details = {"proposal": proposal_id, "action": proposal.action, "risk": proposal.risk}
            conn.execute("SAVEPOINT executor")
            try:
                result = action.execute(
                    action.params.model_validate(proposal.params), _context(conn, proposal, actor, now)
                )
            except Exception as error:
                conn.execute("ROLLBACK TO executor")
                failure = f"{type(error).__name__}: {error}"
                self.store.set_error(conn, proposal_id, failure, now)
                details["error"] = type(error).__name__
                self.runtime.record(actor=actor, action="proposal.execute", decision="failed", details=details)
            else:
                conn.execute("RELEASE executor")
                self.store.move(
                    conn, proposal, State.EXECUTED, now=now, executed_at=now, result=result, last_error=None
                )
                details["approved_by"] = proposal.decided_by or "auto"
                seq = self.runtime.record(actor=actor, action="proposal.execute", decision="executed", details=details)
                self.store.add_event(
                    conn, proposal_id, proposal.state, State.EXECUTED, actor=actor, at=now, audit_seq=seq
                )
        if failure:
            raise ExecutionFailed(f"{proposal.action} failed; proposal {proposal_id} stays {proposal.state}: {failure}")
        return self.get(proposal_id)

    def rollback(self, proposal_id: str, *, actor: str, note: str = "") -> Proposal:
        """Undo an executed action with its compensating executor, in one transaction."""
        with self.store.transaction() as conn:
            proposal = self._load(conn, proposal_id)
            if proposal.state == State.ROLLED_BACK:
                return proposal
            action = self.registry.get(proposal.action)
            if proposal.state != State.EXECUTED or action.compensate is None:
                message = (
                    f"proposal {proposal_id} is {proposal.state}; only executed actions with a rollback can be undone"
                )
                self._refuse(actor, "proposal.rollback", proposal, StateConflict(message))
            now = self._now()
            try:
                undo = action.compensate(
                    action.params.model_validate(proposal.params), _context(conn, proposal, actor, now)
                )
            except Exception as error:
                reason = error if isinstance(error, ApprovalError) else ExecutionFailed(f"rollback failed: {error}")
                self._refuse(actor, "proposal.rollback", proposal, reason)
            result = {"execution": proposal.result, "rollback": undo}
            self.store.move(conn, proposal, State.ROLLED_BACK, now=now, result=result)
            details = {"proposal": proposal_id, "action": proposal.action, "note": self.runtime.audit.hash_text(note)}
            seq = self.runtime.record(actor=actor, action="proposal.rollback", decision="rolled_back", details=details)
            self.store.add_event(
                conn, proposal_id, proposal.state, State.ROLLED_BACK, actor=actor, at=now, audit_seq=seq, note=note
            )
        return self.get(proposal_id)

    def expire_due(self) -> list[str]:
        """Move overdue pending proposals to `expired` (one transaction each); return their ids."""
        now = self._now()
        expired = []
        for proposal_id in self.store.due_for_expiry(now):
            with self.store.transaction() as conn:
                proposal = self.store.get(conn, proposal_id)
                if proposal is None or proposal.state != State.PENDING_REVIEW or proposal.expires_at > now:
                    continue
                self.store.move(conn, proposal, State.EXPIRED, now=now)
                details = {"proposal": proposal_id, "expires_at": proposal.expires_at}
                seq = self.runtime.record(
                    actor=EXPIRY_ACTOR, action="proposal.expire", decision="expired", details=details
                )
                self.store.add_event(
                    conn, proposal_id, proposal.state, State.EXPIRED, actor=EXPIRY_ACTOR, at=now, audit_seq=seq
                )
            expired.append(proposal_id)
        return expired

    def _load(self, conn: sqlite3.Connection, proposal_id: str) -> Proposal:
        proposal = self.store.get(conn, proposal_id)
        if proposal is None:
            raise ProposalNotFound(f"no proposal with id {proposal_id!r}")
        return proposal

    def _refuse(self, actor: str, audit_action: str, proposal: Proposal, error: ApprovalError) -> NoReturn:
        """Audit a refused attempt, then raise it for the API to turn into a 4xx."""
        details = {"proposal": proposal.id, "state": proposal.state, "reason": error.detail[:MAX_AUDIT_TEXT]}
        self.runtime.record(actor=actor, action=audit_action, decision=f"refused:{error.code}", details=details)
        raise error


def _context(conn: sqlite3.Connection, proposal: Proposal, actor: str, now: str) -> ExecutionContext:
    return ExecutionContext(db=conn, proposal_id=proposal.id, actor=actor, now=now)
