"""Named dependencies for the routes: the retrieval service and callers by scope."""

from typing import Annotated

from fastapi import Depends

from ..platform.api import get_service, require_scope
from ..platform.auth import Caller
from ..service import RagService

RagServiceDep = Annotated[RagService, Depends(get_service)]
QueryCaller = Annotated[Caller, Depends(require_scope("query"))]
IngestCaller = Annotated[Caller, Depends(require_scope("ingest"))]
AdminCaller = Annotated[Caller, Depends(require_scope("admin"))]
