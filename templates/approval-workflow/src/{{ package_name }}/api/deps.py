"""Named dependencies for the routes: the workflow service and the callers' roles."""

from typing import Annotated

from fastapi import Depends

from ..platform.api import get_service, require_scope
from ..platform.auth import Caller
from ..service import ProposalService

ProposalServiceDep = Annotated[ProposalService, Depends(get_service)]
# Agents propose and execute with the everyday `query` scope; the state machine, not the
# scope, decides whether an execute may run. Decisions need the `approve` scope.
ProposerDep = Annotated[Caller, Depends(require_scope("query"))]
ApproverDep = Annotated[Caller, Depends(require_scope("approve"))]
