"""__PATTERN_TITLE__ answers resource: ask with sources, read back."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from ...platform.api import ErrorBody
from ...schemas import AnswerRequest
from ...store import Answer
from ..deps import AnswerServiceDep, ReaderDep

router = APIRouter(prefix="/answers", tags=["answers"])

# The platform documents 400, 401, 403, 422 and 429 on every route; these are the ones this resource adds.
MODEL_REFUSALS: dict[int | str, dict[str, Any]] = {
    402: {"model": ErrorBody, "description": "The cost budget refused the model call"},
    503: {"model": ErrorBody, "description": "Every model route failed or ran out of time"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No answer with this id"}}


@router.post("", status_code=status.HTTP_201_CREATED, responses=MODEL_REFUSALS)
def create_answer(body: AnswerRequest, service: AnswerServiceDep, caller: ReaderDep) -> Answer:
    """Answer the question from the sources sent, citing their ids; "I don't know" when they do not say."""
    return service.answer(body, actor=caller.client_id)


@router.get("")
def list_answers(
    service: AnswerServiceDep, caller: ReaderDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[Answer]:
    """The newest answers first."""
    return service.newest(limit)


@router.get("/{answer_id}", responses=NOT_FOUND)
def get_answer(answer_id: str, service: AnswerServiceDep, caller: ReaderDep) -> Answer:
    """One answer by id."""
    return service.get(answer_id)
