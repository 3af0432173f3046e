"""The evidence rules (`rules/evidence.yml`): what a claim needs before it may stay in a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .platform.governance import load_yaml_model

POLICY_FILE = Path("rules") / "evidence.yml"


class EvidencePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    min_evidence_per_claim: int = Field(ge=1)
    min_claim_coverage: float = Field(gt=0, le=1)
    on_unsupported: Literal["remove", "mark"] = "remove"
    passages_per_requirement: int = Field(default=12, ge=1, le=100)
    sentences_per_requirement: int = Field(default=10, ge=1, le=50)
    documents_per_requirement: int = Field(default=1, ge=1, le=50)
    model_check: bool = False


def load_policy(path: Path) -> EvidencePolicy:
    """Parse and validate the rules file, turning mistakes into one line naming the field."""
    return load_yaml_model(path, EvidencePolicy, what="evidence rules")
