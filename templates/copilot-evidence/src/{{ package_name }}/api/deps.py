"""Named dependencies for the routes: the copilot service and the callers' roles."""

from typing import Annotated

from fastapi import Depends, Request

from ..platform.api import RuntimeDep, require_scope
from ..platform.auth import Caller
from ..service import CopilotService


def get_copilot_service(request: Request, runtime: RuntimeDep) -> CopilotService:
    """One service per app, built on first use."""
    service = getattr(request.app.state, "copilot_service", None)
    if service is None or service.runtime is not runtime:
        service = request.app.state.copilot_service = CopilotService.from_runtime(runtime)
    return service


CopilotServiceDep = Annotated[CopilotService, Depends(get_copilot_service)]
ReaderDep = Annotated[Caller, Depends(require_scope("query"))]
IngesterDep = Annotated[Caller, Depends(require_scope("ingest"))]
