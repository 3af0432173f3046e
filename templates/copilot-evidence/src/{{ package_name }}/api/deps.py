"""Named dependencies for the routes: the copilot service and the callers' roles."""

from typing import Annotated

from fastapi import Depends

from ..platform.api import get_service, require_scope
from ..platform.auth import Caller
from ..service import CopilotService

CopilotServiceDep = Annotated[CopilotService, Depends(get_service)]
ReaderDep = Annotated[Caller, Depends(require_scope("query"))]
IngesterDep = Annotated[Caller, Depends(require_scope("ingest"))]
# Reviewing claims is a decision about what leaves the team: it needs the `approve` scope.
ReviewerDep = Annotated[Caller, Depends(require_scope("approve"))]
