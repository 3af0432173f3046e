"""Wire the approval workflow's routers into the platform app."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..actions import default_registry
from ..platform.api import create_platform_app, get_settings
from ..proposals import ApprovalError
from ..risk import RULES_FILE, load_rules
from .routes import proposals, review


def create_app() -> FastAPI:
    settings = get_settings()
    # Refuse to start with rules that do not cover every executor, rather than on the first request.
    load_rules(settings.path(RULES_FILE)).require_actions(default_registry().names())
    app = create_platform_app([proposals.router, review.router])

    @app.exception_handler(ApprovalError)
    async def _approval_error(request: Request, error: ApprovalError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": error.detail}, error.status)

    return app
