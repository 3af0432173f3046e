"""The proposals resource: agents propose, revise and execute; approvers decide.

Every route documents every response it sends; refusals use the platform's error body
(`{"error": ..., "detail": ...}`), and a 409 names the actions the proposal's state allows.
"""

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from ...platform.api import error_responses
from ...proposals import State
from ...schemas import DecisionNote, ProposalCreate, ProposalDetail, ProposalEvent, ProposalOut, Reason, Revision
from ..deps import ApproverDep, ProposalServiceDep, ProposerDep

router = APIRouter(prefix="/proposals", tags=["proposals"])

IdempotencyKey = Annotated[
    str,
    Header(
        min_length=8,
        max_length=128,
        description="Client-chosen unique key; a retry with the same key returns the first proposal",
    ),
]
ProposalId = Annotated[str, Path(min_length=1, max_length=64, description="e.g. prop_3f2a9c81d0e4")]
READ = error_responses(404)  # 400, 401, 403, 422 and 429 come with every router (platform ERROR_RESPONSES)
DECIDE = error_responses(404, 409)
REPLAYED = {
    "model": ProposalOut,
    "description": "replayed: this Idempotency-Key already created the proposal",
    "headers": {"Idempotent-Replayed": {"schema": {"type": "string"}, "description": "true"}},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={200: REPLAYED, **error_responses(402, 409, 503)},
)
def create_proposal(
    body: ProposalCreate,
    service: ProposalServiceDep,
    caller: ProposerDep,
    idempotency_key: IdempotencyKey,
    response: Response,
) -> ProposalOut:
    """Propose from a free-text `request` (the proposer picks the action) or an explicit action.

    Low-risk actions execute at once where the tier allows; the rest wait for the approvals their risk needs.
    """
    proposal, created = service.propose(
        body, actor=caller.client_id, idempotency_key=idempotency_key, clearance=caller.clearance
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return ProposalOut.of(proposal)


@router.get("")
def list_proposals(
    service: ProposalServiceDep,
    caller: ProposerDep,
    state: State | None = None,
    risk: Annotated[str | None, Query(pattern="^(low|medium|high)$")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ProposalOut]:
    """Newest first; filter with `?state=pending_review&risk=high&escalated=true`."""
    found = service.store.search(
        states=[state] if state else None, risk=risk, action=action, escalated=escalated, limit=limit
    )
    return [ProposalOut.of(proposal) for proposal in found]


@router.get("/{proposal_id}", responses=READ)
def get_proposal(proposal_id: ProposalId, service: ProposalServiceDep, caller: ProposerDep) -> ProposalDetail:
    """One proposal with its request, context, evidence, history and what executing it would change."""
    proposal = service.get(proposal_id)
    events = [ProposalEvent.model_validate(event) for event in service.store.events(proposal_id)]
    changes = [change.__dict__ for change in service.changes(proposal)]
    return ProposalDetail(
        **ProposalOut.of(proposal).model_dump(),
        request_text=proposal.request_text,
        context=proposal.context,
        events=events,
        changes=changes,
    )


@router.post("/{proposal_id}/approve", responses=DECIDE)
def approve_proposal(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Add your approval; the proposal is approved (and executed) once enough distinct people approved.

    Neither the requester nor the proposing client may approve, and high risk needs two approvers.
    """
    return ProposalOut.of(service.approve(proposal_id, actor=caller.client_id, note=body.note if body else ""))


@router.post("/{proposal_id}/reject", responses=DECIDE)
def reject_proposal(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ApproverDep, body: Reason
) -> ProposalOut:
    """Reject a pending proposal, saying why; it can never execute."""
    return ProposalOut.of(service.reject(proposal_id, actor=caller.client_id, note=body.note))


@router.post("/{proposal_id}/request_changes", responses=DECIDE)
def request_changes(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ApproverDep, body: Reason
) -> ProposalOut:
    """Send a pending proposal back to its proposer, saying what should change."""
    return ProposalOut.of(service.request_changes(proposal_id, actor=caller.client_id, note=body.note))


@router.post("/{proposal_id}/revise", responses=DECIDE)
def revise_proposal(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ProposerDep, body: Revision
) -> ProposalOut:
    """The proposer's answer to a change request: new params or context; risk and routing are redone."""
    return ProposalOut.of(service.revise(proposal_id, body, actor=caller.client_id, clearance=caller.clearance))


@router.post("/{proposal_id}/execute", responses=DECIDE)
def execute_proposal(proposal_id: ProposalId, service: ProposalServiceDep, caller: ProposerDep) -> ProposalOut:
    """Execute an approved proposal now (the worker does it anyway); retries return the first result."""
    return ProposalOut.of(service.execute(proposal_id, actor=caller.client_id))


@router.post("/{proposal_id}/retry", responses=DECIDE)
def retry_proposal(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Give a failed execution another round of attempts."""
    return ProposalOut.of(service.retry(proposal_id, actor=caller.client_id, note=body.note if body else ""))


@router.post("/{proposal_id}/rollback", responses=DECIDE)
def rollback_proposal(
    proposal_id: ProposalId, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Undo an executed action with its compensating step."""
    note = body.note if body else ""
    return ProposalOut.of(service.rollback(proposal_id, actor=caller.client_id, note=note))
