"""__PATTERN_TITLE__ API bodies (pydantic models, no storage)."""

from __future__ import annotations

from dataclasses import asdict

from pydantic import BaseModel, ConfigDict, Field

from .store import Answer

SOURCE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class Source(BaseModel):
    """One document the caller sends: quoted to the model as data, cited back by `id`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SOURCE_ID, description="The caller's id for this source; answers cite it")
    text: str = Field(min_length=1, max_length=20_000)


class AnswerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2_000)
    sources: list[Source] = Field(min_length=1, max_length=50)


class AnswerOut(BaseModel):
    """An answer as the API returns it: the text, the source ids it cites, and whether it declined."""

    id: str
    question: str
    answer: str
    cited: list[str]
    refused: bool
    created_by: str
    created_at: str
    prompt_version: str
    audit_seq: int

    @classmethod
    def of(cls, answer: Answer) -> AnswerOut:
        return cls(**asdict(answer))
