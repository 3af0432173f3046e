"""The evidence rules (`rules/evidence.yml`): what a claim needs before it may stay in a draft."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .platform.governance import ConfigError

POLICY_FILE = Path("rules") / "evidence.yml"


class EvidencePolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    min_evidence_per_claim: int = Field(ge=1)
    min_claim_coverage: float = Field(gt=0, le=1)
    numbers_must_match: bool = True
    on_unsupported: Literal["remove", "mark"] = "remove"
    max_sources_per_draft: int = Field(default=20, ge=1)
    max_source_chars: int = Field(default=60_000, ge=1000)


def load_policy(path: Path) -> EvidencePolicy:
    """Parse and validate the evidence rules, turning mistakes into one line naming the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"evidence rules not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error
    try:
        return EvidencePolicy.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{path.name}: {where}: {first['msg']}") from error
