"""Wire the retrieval service's routers into the platform app."""

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..ingest.parsers import ParseError
from ..platform.api import create_platform_app
from ..service import IngestDenied
from .routes import documents, query


def create_app() -> FastAPI:
    app = create_platform_app([query.router, documents.router])

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the rejected input, which fails to encode when it holds
        # lone surrogates (a 500); the location and message are what a client needs.
        errors = [{key: item[key] for key in ("type", "loc", "msg") if key in item} for item in error.errors()]
        return JSONResponse({"detail": jsonable_encoder(errors)}, 422)

    @app.exception_handler(ParseError)
    async def _unreadable_document(request: Request, error: ParseError) -> JSONResponse:
        return JSONResponse({"error": "ingest.parse", "detail": str(error)}, 422)

    @app.exception_handler(IngestDenied)
    async def _ingest_denied(request: Request, error: IngestDenied) -> JSONResponse:
        return JSONResponse({"error": "ingest.clearance", "detail": str(error)}, 403)

    return app
