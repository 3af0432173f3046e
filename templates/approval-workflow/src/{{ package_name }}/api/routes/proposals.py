"""The proposals resource: agents propose and execute; approvers decide."""

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from ...proposals import State
from ...schemas import DecisionNote, ProposalCreate, ProposalDetail, ProposalEvent, ProposalOut
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


@router.post("", status_code=status.HTTP_201_CREATED)
def create_proposal(
    body: ProposalCreate,
    service: ProposalServiceDep,
    caller: ProposerDep,
    idempotency_key: IdempotencyKey,
    response: Response,
) -> ProposalOut:
    """Propose an action. Low-risk actions execute at once where the tier allows; others wait for review."""
    proposal, created = service.propose(body, actor=caller.client_id, idempotency_key=idempotency_key)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return ProposalOut.of(proposal)


@router.get("")
def list_proposals(
    service: ProposalServiceDep,
    caller: ProposerDep,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[ProposalOut]:
    """Newest first; filter with `?state=pending_review`."""
    return [ProposalOut.of(proposal) for proposal in service.list_proposals(state, limit)]


@router.get("/{proposal_id}")
def get_proposal(proposal_id: str, service: ProposalServiceDep, caller: ProposerDep) -> ProposalDetail:
    """One proposal with its context and the history of its state changes."""
    proposal = service.get(proposal_id)
    events = [ProposalEvent.model_validate(event) for event in service.store.events(proposal_id)]
    return ProposalDetail(**ProposalOut.of(proposal).model_dump(), context=proposal.context, events=events)


@router.post("/{proposal_id}/approve")
def approve_proposal(
    proposal_id: str, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Approve a pending proposal; the proposer cannot approve their own."""
    note = body.note if body else ""
    return ProposalOut.of(service.approve(proposal_id, actor=caller.client_id, note=note))


@router.post("/{proposal_id}/reject")
def reject_proposal(
    proposal_id: str, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Reject a pending proposal; it can never execute."""
    note = body.note if body else ""
    return ProposalOut.of(service.reject(proposal_id, actor=caller.client_id, note=note))


@router.post("/{proposal_id}/execute")
def execute_proposal(proposal_id: str, service: ProposalServiceDep, caller: ProposerDep) -> ProposalOut:
    """Execute an approved proposal once; retries return the first result."""
    return ProposalOut.of(service.execute(proposal_id, actor=caller.client_id))


@router.post("/{proposal_id}/rollback")
def rollback_proposal(
    proposal_id: str, service: ProposalServiceDep, caller: ApproverDep, body: DecisionNote | None = None
) -> ProposalOut:
    """Undo an executed action with its compensating step."""
    note = body.note if body else ""
    return ProposalOut.of(service.rollback(proposal_id, actor=caller.client_id, note=note))
