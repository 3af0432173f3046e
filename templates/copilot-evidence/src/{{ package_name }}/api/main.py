"""Wire the copilot's routers into the platform app."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..evidence_policy import POLICY_FILE, load_policy
from ..platform.api import create_platform_app, get_settings
from ..records import CopilotError
from .routes import drafts, sources


def create_app() -> FastAPI:
    load_policy(get_settings().path(POLICY_FILE))  # refuse to start with broken evidence rules
    app = create_platform_app([sources.router, drafts.router])

    @app.exception_handler(CopilotError)
    async def _copilot_error(request: Request, error: CopilotError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": error.detail}, error.status)

    return app
