"""Wire the approval workflow's routers into the platform app."""

from fastapi import FastAPI

from ..actions import default_registry
from ..platform.api import create_platform_app, get_settings
from ..risk import RULES_FILE, load_rules
from ..service import ProposalService
from .routes import proposals, review


def create_app() -> FastAPI:
    settings = get_settings()
    # Refuse to start with rules that do not cover every executor, rather than on the first request.
    load_rules(settings.path(RULES_FILE)).require_actions(default_registry().names())
    app = create_platform_app([proposals.router, review.router], service_factory=ProposalService.from_runtime)
    return app
