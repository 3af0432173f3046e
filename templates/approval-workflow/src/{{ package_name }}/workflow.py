"""The core every workflow step shares: the stores, and the one way a proposal changes state.

A state change, its history event, its audit entry, its webhook and (for a change that makes a
proposal executable) the execution job are written in ONE database transaction, through the
platform outbox (`_transition`). So after any crash either all of them exist or none: the audit
log never holds a record of a change that did not commit, and an approved proposal is always
executed by some worker, exactly once, even if nobody calls `/execute`. Refused attempts are
audited directly (`_refuse`): they change nothing.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, NoReturn

from .actions import ActionRegistry, Change
from .config import ApprovalSettings
from .evidence import EvidenceSource
from .intake import Intake
from .platform.assets import Prompt
from .platform.audit.drain import AuditOutbox
from .platform.audit.log import AuditContentError, AuditEntry, check_entry
from .platform.database import Database, Transaction
from .platform.identity import canonical_identity
from .platform.outbox import Outbox
from .platform.runtime import Runtime
from .platform.webhooks import TOPIC as WEBHOOK_TOPIC
from .proposals import (
    EXECUTABLE,
    TRANSITIONS,
    Act,
    ApprovalError,
    Proposal,
    ProposalNotFound,
    SeparationOfDuties,
    State,
    StateConflict,
)
from .proposer import LocalProposer, Proposer
from .risk import RiskRules
from .store import ProposalStore

Clock = Callable[[], datetime]
SYSTEM = "system:workflow"
EXECUTE_TOPIC = "execute"
MAX_AUDIT_TEXT = 200  # audit fields hold metadata, not prose
INLINE_GRACE_S = 10.0  # how long a new execution job waits for the request that made it executable
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Workflow:
    """Stores, rules and the transition writer; `ProposalService` adds the steps people take."""

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

    def close(self) -> None:
        if self.background is not None:
            self.background.close()
        if self.owns_evidence:
            self.intake.evidence.close()
        self.db.close()

    def _now(self) -> datetime:
        return self.clock()

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
            # With inline execution the request that made it executable runs the job first; the worker
            # takes it only after the grace period (the request's process died, or its attempt failed).
            grace = INLINE_GRACE_S if self.settings.execute_inline else 0.0
            self.outbox.put(tx, EXECUTE_TOPIC, {"proposal": proposal.id}, key=proposal.id, now=now, delay_s=grace)

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
