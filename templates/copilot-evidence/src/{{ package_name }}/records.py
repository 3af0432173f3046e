"""What the evidence ledger holds: sources, drafts, their claims and each claim's evidence spans,
plus the errors a caller can see."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from .platform.errors import ApiError

ClaimStatus = Literal["supported", "unsupported"]
DraftStatus = Literal["supported", "partial", "no_support"]


@dataclass(frozen=True)
class Source:
    """A registered document. Immutable: evidence spans are character offsets into `text`."""

    id: str
    title: str
    text: str
    sha256: str
    registered_by: str
    created_at: str


@dataclass(frozen=True)
class Evidence:
    """`source.text[start:end] == quote`, checked when linked and again on export."""

    source_id: str
    start: int
    end: int
    quote: str
    coverage: float
    cited: bool
    verified: bool = True


@dataclass(frozen=True)
class Claim:
    position: int
    text: str
    cited_sources: list[str]
    status: ClaimStatus
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    id: str
    instruction: str
    status: DraftStatus
    text: str
    model_output: str
    source_ids: list[str]
    claims: list[Claim]
    prompt_version: str
    model: str
    policy_version: str
    min_evidence_per_claim: int
    on_unsupported: str
    created_by: str
    created_at: str


class CopilotError(ApiError):
    """A request the copilot refuses; `code` and `detail` become the JSON error body."""

    status = 400
    code = "copilot"


class NotFound(CopilotError):
    status = 404
    code = "copilot.not_found"


class SourceConflict(CopilotError):
    status = 409
    code = "copilot.source_conflict"


class InvalidRequest(CopilotError):
    status = 422
    code = "copilot.invalid"
