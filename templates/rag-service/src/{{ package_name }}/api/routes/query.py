"""Questions in, cited answers out."""

from fastapi import APIRouter

from ...schemas import ERROR_RESPONSES, ErrorBody, QueryRequest, QueryResponse
from ..deps import QueryCaller, RagServiceDep

router = APIRouter(tags=["query"], responses=ERROR_RESPONSES)


@router.post(
    "/query",
    responses={
        402: {"model": ErrorBody, "description": "Budget exhausted"},
        503: {"model": ErrorBody, "description": "Model gateway unavailable"},
    },
)
def query(body: QueryRequest, service: RagServiceDep, caller: QueryCaller) -> QueryResponse:
    """Answer from the documents the caller is cleared for; every statement cites a chunk.

    With no supporting evidence the answer is "I don't know" and `refused` is true.
    """
    return QueryResponse.of(service.ask(body.question, caller, top_k=body.top_k))
