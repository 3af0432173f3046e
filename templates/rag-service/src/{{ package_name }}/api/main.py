"""Wire the retrieval service's routers into the platform app."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..platform.api import create_platform_app
from ..platform.knowledge.ingest.parsers import ParseError
from ..service import IngestDenied, RagService
from .routes import documents, query


def create_app() -> FastAPI:
    app = create_platform_app([query.router, documents.router], service_factory=RagService.from_runtime)

    @app.exception_handler(ParseError)
    async def _unreadable_document(request: Request, error: ParseError) -> JSONResponse:
        return JSONResponse({"error": "ingest.parse", "detail": str(error)}, 422)

    @app.exception_handler(IngestDenied)
    async def _ingest_denied(request: Request, error: IngestDenied) -> JSONResponse:
        return JSONResponse({"error": "ingest.clearance", "detail": str(error)}, 403)

    return app
