"""__PATTERN_TITLE__ API bodies (pydantic models, no storage)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
