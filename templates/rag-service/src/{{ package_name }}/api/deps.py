"""Named dependencies for the routes: the retrieval service and callers by scope."""

import threading
from typing import Annotated

from fastapi import Depends, Request

from ..platform.api import RuntimeDep, require_scope
from ..platform.auth import Caller
from ..service import RagService

_service_lock = threading.Lock()


def get_rag_service(request: Request, runtime: RuntimeDep) -> RagService:
    """One service per app, built on first use (after the platform runtime exists)."""
    with _service_lock:
        service = getattr(request.app.state, "rag_service", None)
        if service is None or service.runtime is not runtime:
            service = RagService.open(runtime)
            request.app.state.rag_service = service
    return service


RagServiceDep = Annotated[RagService, Depends(get_rag_service)]
QueryCaller = Annotated[Caller, Depends(require_scope("query"))]
IngestCaller = Annotated[Caller, Depends(require_scope("ingest"))]
AdminCaller = Annotated[Caller, Depends(require_scope("admin"))]
