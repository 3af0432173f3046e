"""What the evidence ledger holds: source versions, briefs, drafts, their claims and evidence spans,
the review and verification trail, plus the errors a caller can see.

The API answers with these records as they are (FastAPI serialises dataclasses); `schemas.py`
holds only request bodies and the views that differ from a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .platform.errors import ApiError

ClaimStatus = Literal["supported", "unsupported", "stale"]
ReviewState = Literal["pending", "accepted", "edited", "rejected"]
DraftStatus = Literal["supported", "partial", "no_support"]
CLASSIFICATIONS = ("public", "internal", "confidential", "restricted")


@dataclass(frozen=True)
class SourceVersion:
    """One version of a library document. Evidence spans are offsets into `text` of exactly this version."""

    id: str
    version: str  # sha256 of the text
    title: str
    text: str
    classification: str
    registered_by: str
    created_at: str


@dataclass(frozen=True)
class Requirement:
    id: str
    text: str
    section: str = ""
    owner: str = ""


@dataclass(frozen=True)
class Brief:
    id: str
    title: str
    requirements: list[Requirement]
    created_by: str
    created_at: str


@dataclass(frozen=True)
class Evidence:
    """`version.text[start:end] == quote`; `cited` when the claim's tag named this span, else corroborating.

    `current` is False once the library holds a newer version of the source: the claim is stale.
    """

    source_id: str
    version: str
    start: int
    end: int
    quote: str
    coverage: float
    cited: bool
    verified: bool = True
    current: bool = True


@dataclass(frozen=True)
class Claim:
    id: str  # "R3.2": second claim answering requirement R3
    requirement_id: str
    position: int
    text: str
    cited_sources: list[str]
    status: ClaimStatus
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    review: ReviewState = "pending"
    reviewed_by: str = ""
    reviewed_at: str = ""
    drafted_text: str = ""  # what the model wrote, when a reviewer edited it


@dataclass(frozen=True)
class Draft:
    id: str
    brief_id: str
    title: str
    version: int
    status: DraftStatus
    requirements: list[Requirement]
    claims: list[Claim]
    gaps: list[str]  # requirement ids with no kept claim: listed, never filled with guesses
    prompt_version: str
    model: str
    policy_version: str
    min_evidence_per_claim: int
    on_unsupported: str
    created_by: str
    created_at: str
    cost_usd: float = 0.0
    latency_s: float = 0.0


@dataclass(frozen=True)
class LedgerEvent:
    """One append-only ledger entry: a draft version, a review action or a verification result."""

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


class CopilotError(ApiError):
    """A request the copilot refuses; `code` and `detail` become the JSON error body."""

    status = 400
    code = "copilot"


class NotFound(CopilotError):
    status = 404
    code = "copilot.not_found"


class Conflict(CopilotError):
    status = 409
    code = "copilot.conflict"


class InvalidRequest(CopilotError):
    status = 422
    code = "copilot.invalid"
