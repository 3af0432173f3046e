"""The error responses each route documents: every status a route can send has its body in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from ..platform.api import ErrorBody

_WHY = {
    400: "The body is not valid JSON",
    401: "Missing or unknown API key",
    402: "The cost budget refused the model call",
    403: "The API key lacks the scope this route needs",
    404: "No such brief, draft, claim or source (or not visible at the caller's clearance)",
    409: "Conflicts with the ledger's current state",
    413: "Upload too large",
    415: "Unsupported upload media type",
    422: "Invalid input; `detail` names the field",
    429: "Rate limit",
    503: "Every model route failed or ran out of time",
}
AUTH = (401, 403, 429)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: the auth errors, 400 and 422, and the given statuses, each with the error body."""
    wanted = sorted({*AUTH, 400, 422, *statuses})
    return {status: {"model": ErrorBody, "description": _WHY[status]} for status in wanted}
