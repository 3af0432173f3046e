"""Questions in, cited answers out."""

from fastapi import APIRouter, Response

from ...platform.api import ErrorBody, model_response
from ...schemas import QueryRequest, QueryResponse
from ..deps import QueryCaller, RagServiceDep

router = APIRouter(tags=["query"])  # the platform app adds its error responses (ErrorBody) to every route


@router.post(
    "/query",
    response_model=QueryResponse,
    responses={
        402: {"model": ErrorBody, "description": "Budget exhausted"},
        503: {"model": ErrorBody, "description": "Model gateway unavailable"},
    },
)
def query(body: QueryRequest, service: RagServiceDep, caller: QueryCaller) -> Response:
    """Answer from the documents the caller is cleared for; every statement cites a chunk.

    With no supporting evidence the answer is "I don't know" and `refused` is true. With
    `include_retrieved`, every retrieved source comes back with its rank, score and support.
    """
    answer = service.ask(body.question, caller, top_k=body.top_k)
    return model_response(QueryResponse.of(answer, include_retrieved=body.include_retrieved))
