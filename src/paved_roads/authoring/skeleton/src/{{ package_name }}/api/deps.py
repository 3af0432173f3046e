"""__PATTERN_TITLE__ route dependencies: the service, the caller's scope."""

from typing import Annotated

from fastapi import Depends

from ..platform.api import get_service, require_scope
from ..platform.auth import Caller
from ..service import AnswerService

AnswerServiceDep = Annotated[AnswerService, Depends(get_service)]
ReaderDep = Annotated[Caller, Depends(require_scope("query"))]
