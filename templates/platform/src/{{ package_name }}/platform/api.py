"""The platform half of every service: app factory, health, metrics, auth and error bodies.

A pattern's `api/main.py` calls `create_platform_app(...)` with its routers, so
every service answers health checks, exposes metrics and refuses bad input the
same way.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import PROJECT_NAME, __version__
from . import serving
from .auth import Caller, ClientRegistry
from .errors import ApiError, AuthError, Refused
from .observability.telemetry import Telemetry
from .runtime import Runtime
from .settings import get_settings

REFUSAL_STATUS = {"budget": 402, "gateway": 503}
# `error` for an HTTP error raised by the framework or a route (`HTTPException`): the status, in words.
HTTP_ERRORS = {400: "request", 401: "auth", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"} | {
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ErrorBody(BaseModel):
    """Every error answer of every pattern: what refused the request (a control, a rule, a check) and why.

    `detail` is one readable sentence, or for a malformed request (`error: validation`) the list of
    fields at fault with their location and message.
    """

    error: str
    detail: str | list[dict[str, Any]]


# Declared on every router the platform app includes, so each pattern's OpenAPI shows the one error body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The request breaks a rule of the service"},
    401: {"model": ErrorBody, "description": "Missing or unknown API key"},
    403: {"model": ErrorBody, "description": "Key lacks the scope or clearance"},
    422: {"model": ErrorBody, "description": "A field is missing or malformed, or a control refused"},
    429: {"model": ErrorBody, "description": "Rate limit exceeded for this client"},
}

platform_router = APIRouter(tags=["platform"])


# The dependencies below are `async def` on purpose: they only read app state and never block,
# and FastAPI runs a plain `def` dependency in the thread pool, one thread hop per dependency
# per request (measured in benchmarks/bench_query_api.py).


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_service(request: Request) -> Any:
    """The pattern's service object, built once at startup next to the runtime."""
    return request.app.state.service


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def require_scope(scope: str) -> Callable[[Request], Any]:
    """Dependency factory: the caller must hold `scope` (query, ingest, approve, admin)."""

    async def dependency(request: Request) -> Caller:
        header = request.headers.get("authorization", "")
        key = header[7:].strip() if header.lower().startswith("bearer ") else request.headers.get("x-api-key")
        remote = request.client.host if request.client else "unknown"
        return request.app.state.clients.authenticate(key, scope, remote=remote)

    return dependency


# Statuses only some routes send; a route declares them with `responses=error_responses(404, 409)`.
MORE_ERRORS = {
    402: "The budget's hard limit is reached",
    404: "No such resource",
    409: "Conflicts with the resource's current state; the detail names what is allowed",
    503: "A dependency (the model gateway) is unavailable",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries with the platform's error body, for statuses beyond ERROR_RESPONSES."""
    return {
        status: ERROR_RESPONSES.get(status) or {"model": ErrorBody, "description": MORE_ERRORS[status]}
        for status in statuses
    }


def model_response(body: BaseModel, status_code: int = 200) -> Response:
    """A response already serialised by pydantic, for hot routes.

    A plain `def` route that returns a model has FastAPI validate it again against the
    response model in the thread pool (a second thread hop) before serialising it; a body
    built by our own constructor needs neither. Declare `response_model=` on the route so
    the OpenAPI schema stays the same.
    """
    return Response(body.model_dump_json(), status_code, media_type="application/json")


@platform_router.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process is up."""
    return {"status": "ok"}


@platform_router.get("/readyz")
def readyz(request: Request, runtime: RuntimeDep) -> JSONResponse:
    """Readiness: not draining, governance loaded and the data directory writable."""
    if request.app.state.lifecycle.draining:
        return JSONResponse({"status": "draining", "detail": "shutting down"}, 503)
    data = runtime.settings.path(runtime.settings.data_dir)
    probe = data / ".ready"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        return JSONResponse({"status": "unavailable", "detail": f"data dir not writable: {error}"}, 503)
    return JSONResponse({"status": "ready", "tier": runtime.governance.risk_tier, "version": __version__})


@platform_router.get("/metrics", include_in_schema=False)
def metrics(runtime: RuntimeDep) -> Response:
    body, content_type = runtime.telemetry.metrics_response()
    return Response(body, media_type=content_type)


def create_platform_app(
    routers: Iterable[APIRouter],
    *,
    service_factory: Callable[[Runtime], Any] | None = None,
    runtime_factory: Callable[[], Runtime] | None = None,
) -> FastAPI:
    """Build the FastAPI app with platform routes, auth and error handling around `routers`.

    `service_factory(runtime)` builds the pattern's service once at startup (routes get it
    through `get_service`), so a bad rules file or an unreadable index stops the app from
    starting instead of failing its first request; its `close()` runs at shutdown.
    The app's telemetry exists before the app (its middleware is built at startup) and the
    runtime reports through it, so server, model and model-endpoint spans share one trace.
    `runtime_factory` (tests) supplies a runtime built elsewhere, with telemetry of its own.
    """
    telemetry = Telemetry.from_settings(get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            runtime = runtime_factory() if runtime_factory else Runtime.from_settings(telemetry=telemetry)
        except BaseException:
            telemetry.shutdown()
            raise
        try:
            clients = runtime.settings.api_clients
            # Shared by every replica when state is in PostgreSQL: request rates and failed attempts alike.
            limiter = runtime.rate_limiter()
            if clients:
                app.state.clients = ClientRegistry(clients, limiter=limiter, failures=limiter)
            else:
                app.state.clients = ClientRegistry.local_default(limiter=limiter, failures=limiter)
            app.state.service = service_factory(runtime) if service_factory else None
        except BaseException:
            runtime.close()
            raise
        app.state.runtime = runtime
        try:
            yield
        finally:
            close = getattr(app.state.service, "close", None)
            if close is not None:
                close()
            runtime.close()

    app = FastAPI(title=PROJECT_NAME, version=__version__, lifespan=lifespan)
    serving.install(app)  # SIGTERM: refuse new requests with a retryable 503 while in-flight ones finish
    telemetry.instrument_app(app)
    app.include_router(platform_router)
    for router in routers:
        app.include_router(router, responses=ERROR_RESPONSES)

    @app.exception_handler(AuthError)
    async def _auth_error(request: Request, error: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else {}
        return JSONResponse({"error": "auth", "detail": error.detail}, error.status, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own refusals (a body that is not JSON, an unknown route, a wrong method) get the
        # same `{"error", "detail"}` body as every other refusal.
        return JSONResponse({"error": "http", "detail": str(error.detail)}, error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the rejected input, which fails to encode when it holds
        # lone surrogates (a 500) and may copy PII into logs; location and message suffice.
        errors = [{key: item[key] for key in ("type", "loc", "msg") if key in item} for item in error.errors()]
        return JSONResponse({"error": "validation", "detail": jsonable_encoder(errors)}, 422)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"error": error.code, "detail": error.detail}, error.status)

    @app.exception_handler(Refused)
    async def _refused(request: Request, error: Refused) -> JSONResponse:
        if error.retry_after_s is not None:  # temporary: e.g. calls in flight hold the budget
            headers = {"Retry-After": str(max(1, math.ceil(error.retry_after_s)))}
            return JSONResponse({"error": error.control, "detail": error.reason}, 429, headers=headers)
        status = REFUSAL_STATUS.get(error.control, 422)
        return JSONResponse({"error": error.control, "detail": error.reason}, status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        # An unknown path, a wrong method, or a route's own `HTTPException`: the same body as any refusal.
        body = {"error": HTTP_ERRORS.get(error.status_code, "http"), "detail": str(error.detail)}
        return JSONResponse(body, error.status_code, headers=getattr(error, "headers", None))

    return app


__all__ = [
    "ERROR_RESPONSES",
    "ErrorBody",
    "RuntimeDep",
    "create_platform_app",
    "error_responses",
    "get_service",
    "get_settings",
    "model_response",
    "require_scope",
]
