"""API request and response bodies (kept apart from the ledger's rows)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .records import Claim, Draft, Source

SOURCE_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class SourceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=SOURCE_ID, description="defaults to a hash of the text")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=200_000)


class SourceOut(BaseModel):
    id: str
    title: str
    chars: int
    sha256: str
    registered_by: str
    created_at: str

    @classmethod
    def of(cls, source: Source) -> SourceOut:
        return cls(**{**source.__dict__, "chars": len(source.text)})


class SourceDetail(SourceOut):
    text: str

    @classmethod
    def of(cls, source: Source) -> SourceDetail:
        return cls(**{**source.__dict__, "chars": len(source.text)})


class DraftCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    instruction: str = Field(min_length=3, max_length=2000, examples=["Draft the refunds section of the proposal"])
    source_ids: list[str] | None = Field(default=None, min_length=1, max_length=100, description="default: all")
    on_unsupported: Literal["remove", "mark"] | None = Field(default=None, description="default: rules file")


class EvidenceOut(BaseModel):
    source_id: str
    start: int
    end: int
    quote: str
    coverage: float
    cited: bool
    verified: bool


class ClaimOut(BaseModel):
    position: int
    text: str
    status: Literal["supported", "unsupported"]
    cited_sources: list[str]
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, claim: Claim) -> ClaimOut:
        return cls.model_validate(claim, from_attributes=True)


class DraftOut(BaseModel):
    id: str
    instruction: str
    status: Literal["supported", "partial", "no_support"]
    text: str
    claims: list[ClaimOut]
    source_ids: list[str]
    prompt_version: str
    model: str
    policy_version: str
    min_evidence_per_claim: int
    on_unsupported: str
    created_by: str
    created_at: str

    @classmethod
    def of(cls, draft: Draft) -> DraftOut:
        return cls.model_validate(draft, from_attributes=True)
