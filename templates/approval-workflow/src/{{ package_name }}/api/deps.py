"""Named dependencies for the routes: the workflow service and the callers' roles."""

from typing import Annotated

from fastapi import Depends, Request

from ..platform.api import RuntimeDep, require_scope
from ..platform.auth import Caller
from ..service import ProposalService


def get_proposal_service(request: Request, runtime: RuntimeDep) -> ProposalService:
    """One service per app (built on first use, so a bad rules file fails the first request loudly)."""
    service = getattr(request.app.state, "proposal_service", None)
    if service is None or service.runtime is not runtime:
        service = ProposalService.from_runtime(runtime)
        request.app.state.proposal_service = service
    return service


ProposalServiceDep = Annotated[ProposalService, Depends(get_proposal_service)]
# Agents propose and execute with the everyday `query` scope; the state machine, not the
# scope, decides whether an execute may run. Decisions need the `approve` scope.
ProposerDep = Annotated[Caller, Depends(require_scope("query"))]
ApproverDep = Annotated[Caller, Depends(require_scope("approve"))]
