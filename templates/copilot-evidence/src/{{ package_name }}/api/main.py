"""Wire the copilot's routers into the platform app."""

from fastapi import FastAPI

from ..evidence_policy import POLICY_FILE, load_policy
from ..platform.api import create_platform_app, get_settings
from ..service import CopilotService
from .routes import briefs, drafts, review, sources


def create_app() -> FastAPI:
    load_policy(get_settings().path(POLICY_FILE))  # refuse to start with broken evidence rules
    routers = [sources.router, briefs.router, drafts.router, review.router]
    return create_platform_app(routers, service_factory=CopilotService.from_runtime)
