"""API request and response bodies (kept apart from the ledger's rows)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .records import CLASSIFICATIONS, Brief, Claim, Draft, LedgerEvent, SourceVersion

SOURCE_ID = r"^[a-z0-9][a-z0-9._-]{0,63}$"  # the knowledge service's document ids: lower case
REQUIREMENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
Classification = Literal["public", "internal", "confidential", "restricted"]
assert Classification.__args__ == CLASSIFICATIONS  # noqa: S101 - one list of levels


class ErrorBody(BaseModel):
    """Every 4xx/5xx body: `error` names the rule or control, `detail` says what to do."""

    error: str
    detail: str | list[dict[str, Any]]


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
    def of(cls, source: SourceVersion) -> SourceOut:
        return cls(**{**source.__dict__, "chars": len(source.text)})


class SourceDetail(SourceOut):
    text: str

    @classmethod
    def of(cls, source: SourceVersion) -> SourceDetail:
        return cls(**{**source.__dict__, "chars": len(source.text)})


class RequirementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, pattern=REQUIREMENT_ID, description="default: R1, R2, ...")
    text: str = Field(min_length=3, max_length=2000)
    section: str = Field(default="", max_length=200)
    owner: str = Field(default="", max_length=200)


class RequirementOut(BaseModel):
    id: str
    text: str
    section: str
    owner: str


class BriefCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200, examples=["Managed container platform RFP"])
    requirements: list[RequirementIn] = Field(min_length=1, max_length=200)


class BriefOut(BaseModel):
    id: str
    title: str
    requirements: list[RequirementOut]
    created_by: str
    created_at: str

    @classmethod
    def of(cls, brief: Brief) -> BriefOut:
        return cls.model_validate(brief, from_attributes=True)


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


class EvidenceOut(BaseModel):
    source_id: str
    version: str
    start: int
    end: int
    quote: str
    coverage: float
    cited: bool
    verified: bool
    current: bool


class ClaimOut(BaseModel):
    id: str
    requirement_id: str
    position: int
    text: str
    status: Literal["supported", "unsupported", "stale"]
    reasons: list[str]
    cited_sources: list[str]
    evidence: list[EvidenceOut]
    review: Literal["pending", "accepted", "edited", "rejected"]
    reviewed_by: str
    reviewed_at: str
    drafted_text: str

    @classmethod
    def of(cls, claim: Claim) -> ClaimOut:
        return cls.model_validate(claim, from_attributes=True)


class DraftOut(BaseModel):
    id: str
    brief_id: str
    title: str
    version: int
    status: Literal["supported", "partial", "no_support"]
    requirements: list[RequirementOut]
    claims: list[ClaimOut]
    gaps: list[str]
    prompt_version: str
    model: str
    policy_version: str
    min_evidence_per_claim: int
    on_unsupported: str
    created_by: str
    created_at: str
    cost_usd: float
    latency_s: float

    @classmethod
    def of(cls, draft: Draft) -> DraftOut:
        return cls.model_validate(draft, from_attributes=True)


class LedgerEventOut(BaseModel):
    seq: int
    draft_id: str
    version: int
    kind: Literal["created", "review", "verification", "export"]
    claim_id: str
    action: str
    actor: str
    at: str
    details: dict[str, Any]
    audit_seq: int

    @classmethod
    def of(cls, event: LedgerEvent) -> LedgerEventOut:
        return cls.model_validate(event, from_attributes=True)
