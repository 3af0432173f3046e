"""Wire the approval workflow's routers into the platform app, with its background workers."""

from fastapi import FastAPI

from ..actions import default_registry
from ..platform.api import create_platform_app, get_settings
from ..platform.runtime import Runtime
from ..risk import RULES_FILE, load_rules
from ..service import ProposalService
from ..worker import BackgroundWorkers
from .routes import proposals, review


def build_service(runtime: Runtime) -> ProposalService:
    """The service, plus `APPROVAL_WORKER_THREADS` workers (stopped by the service's close)."""
    service = ProposalService.from_runtime(runtime)
    if service.settings.worker_threads:
        service.background = BackgroundWorkers(service, service.settings.worker_threads)
    return service


def create_app() -> FastAPI:
    settings = get_settings()
    # Refuse to start with rules that do not cover every executor, rather than on the first request.
    load_rules(settings.path(RULES_FILE)).require_actions(default_registry().names())
    return create_platform_app([proposals.router, review.router], service_factory=build_service)
