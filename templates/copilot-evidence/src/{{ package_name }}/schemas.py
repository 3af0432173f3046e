"""API request bodies, and the response views that differ from a ledger record (a source without its text).

Every other response is the record itself (`records.py`); errors use the platform's `ErrorBody`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from .records import CLASSIFICATIONS, SourceVersion

SOURCE_ID = r"^[a-z0-9][a-z0-9._-]{0,63}$"  # the knowledge service's document ids: lower case
REQUIREMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
Classification = Literal["public", "internal", "confidential", "restricted"]
assert Classification.__args__ == CLASSIFICATIONS  # noqa: S101 - one list of levels


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=SOURCE_ID, description="defaults to a hash of the text")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, description="drafts search the library; no per-draft size ceiling")
    format: Literal["markdown", "text", "html"] = "markdown"
    classification: Classification = "internal"


class SourceOut(BaseModel):
    id: str
    version: str
    title: str
    classification: str
    chars: int
    registered_by: str
    created_at: str

    @classmethod
    def of(cls, source: SourceVersion) -> Self:
        """The view of one version (SourceDetail keeps its text; SourceOut, which ignores extras, drops it)."""
        return cls(**{**source.__dict__, "chars": len(source.text)})


class SourceDetail(SourceOut):
    text: str


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=REQUIREMENT_ID, description="default: R1, R2, ...")
    text: str = Field(min_length=3, max_length=2000)
    section: str = Field(default="", max_length=200)
    owner: str = Field(default="", max_length=200)


class BriefCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Managed container platform RFP"])
    requirements: list[RequirementIn] = Field(min_length=1, max_length=200)


class DraftCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    brief_id: str = Field(min_length=1, max_length=64)
    requirement_ids: list[str] | None = Field(default=None, min_length=1, max_length=200, description="default: all")
    title: str | None = Field(default=None, min_length=1, max_length=200)
    on_unsupported: Literal["remove", "mark"] | None = Field(default=None, description="default: rules file")


class ClaimReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["accept", "edit", "reject"]
    text: str | None = Field(default=None, min_length=1, max_length=2000, description="the new text, for edit")
