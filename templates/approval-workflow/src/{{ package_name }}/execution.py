"""Executing approved proposals, rolling them back, and the timers (expiry, SLA escalation).

An executor runs inside the transaction that marks its proposal `executed`, under the proposal's
row lock, so a worker, a retried request and a late worker whose lease ran out can never run it
twice. A failed attempt is recorded and retried with backoff; the last allowed attempt leaves the
proposal `failed` (a person may `retry` it).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from .actions import ExecutionContext
from .platform.database import Transaction
from .platform.outbox import Message
from .proposals import (
    EXECUTABLE,
    OPEN,
    Act,
    ApprovalError,
    ExecutionFailed,
    Proposal,
    State,
    StateConflict,
    illegal,
)
from .workflow import _ALLOWED, EXECUTE_TOPIC, SYSTEM, Workflow, _iso

RETRY_DELAYS_S = (5.0, 30.0, 120.0, 600.0)


class Executing(Workflow):
    """Execution, rollback and the timers a worker runs."""

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

    def _then_execute(self, proposal_id: str, executable: bool) -> Proposal:
        """After a commit: execute at once if it made the proposal executable (the worker is the backstop),
        then drain the audit outbox once for both steps."""
        try:
            if executable and self.settings.execute_inline:
                with suppress(ApprovalError):  # a failed attempt is recorded and rescheduled on the proposal
                    self._execute(proposal_id, actor=SYSTEM, job=None, drain=False)
        finally:
            self._after_commit()
        return self.get(proposal_id)

    def _execute(self, proposal_id: str, *, actor: str, job: Message | None, drain: bool = True) -> Proposal:
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
                self._expire(tx, proposal, now=now, details={"reason": "execution window passed"})
                if job is not None:
                    return proposal
                refused: ApprovalError = StateConflict(f"proposal {proposal_id} expired before it was executed")
            else:
                refused = self._run_executor(tx, proposal, actor=actor, now=now, job=job)
        if drain:
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

    def _expire(self, tx: Transaction, proposal: Proposal, *, now: datetime, details: dict[str, str]) -> None:
        """Close an approved proposal whose execution window passed, and its pending execution job."""
        self._transition(tx, proposal, Act.EXPIRE, State.EXPIRED, actor=SYSTEM, now=now, details=details)
        self.outbox.finish(tx, EXECUTE_TOPIC, proposal.id, now=now)

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
                self._expire(tx, proposal, now=now, details={"expires_at": proposal.expires_at})
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
