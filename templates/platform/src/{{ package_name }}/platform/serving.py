"""Serve the API and stop it without losing a request: SIGTERM drains, then flushes.

On SIGTERM (or Ctrl-C) uvicorn closes its listening sockets, lets every request it already took
finish (up to `SHUTDOWN_DRAIN_S`), and only then runs the app's shutdown: the pattern's service
and the runtime close, which flushes telemetry exporters and closes the audit log (each record is
committed before its request answers, so a finished request's record is already on disk).
From the signal on, the app answers any request that still reaches it `503` with `Retry-After`
and `Connection: close`, and `/readyz` says `draining`: a client or load balancer retries it on
another replica, so every request is either completed or refused in a way that is safe to retry.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import FrameType

    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

RETRY_AFTER_S = 1
PROBES = frozenset({"/healthz", "/readyz"})  # still answered: liveness holds, readiness says draining
_REFUSAL = json.dumps({"error": "shutting_down", "detail": "this replica is shutting down; retry the request"})


class Lifecycle:
    """Whether this process is draining; shared by the server, the middleware and `/readyz`."""

    def __init__(self) -> None:
        self.draining = False


class DrainMiddleware:
    """Refuse new requests with a retryable 503 once the process is draining."""

    def __init__(self, app: ASGIApp, lifecycle: Lifecycle) -> None:
        self.app = app
        self.lifecycle = lifecycle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.lifecycle.draining or scope["path"] in PROBES:
            await self.app(scope, receive, send)
            return
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(_REFUSAL.encode())).encode()),
            (b"retry-after", str(RETRY_AFTER_S).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": _REFUSAL.encode()})


def serve(app: FastAPI, *, host: str, port: int, drain_s: float) -> None:
    """Run `app` with uvicorn until SIGTERM/SIGINT, then drain for at most `drain_s` seconds."""
    import uvicorn

    class GracefulServer(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            app.state.lifecycle.draining = True
            super().handle_exit(sig, frame)

    config = uvicorn.Config(app, host=host, port=port, timeout_graceful_shutdown=drain_s, log_level="info")
    GracefulServer(config).run()


def install(app: FastAPI) -> Lifecycle:
    """Give `app` its lifecycle flag and the draining middleware (outermost, before any other work)."""
    lifecycle = Lifecycle()
    app.state.lifecycle = lifecycle
    app.add_middleware(DrainMiddleware, lifecycle=lifecycle)
    return lifecycle


__all__ = ["DrainMiddleware", "Lifecycle", "install", "serve"]
