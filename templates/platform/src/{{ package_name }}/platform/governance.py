"""The governance contract (`governance.yml`): what the organisation decided for this feature.

Read by the runtime (guards, budget, audit), the eval runner and the gate, so the
three can never disagree about tier, thresholds or limits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ConfigError

Tier = Literal["low", "medium", "high"]
M = TypeVar("M", bound=BaseModel)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Okr(_Strict):
    metric: str
    target: float


class Budget(_Strict):
    monthly_usd: float = Field(gt=0)
    daily_usd: float = Field(gt=0)
    soft_limit_ratio: float = Field(default=0.8, gt=0, le=1)
    on_hard_limit: Literal["block", "degrade"] = "block"
    degrade_to: str = "local-extractive"
    anomaly_z: float = Field(default=3.0, gt=0)


class ModelClassifier(_Strict):
    """The optional `model_classifier` guard: a safety model served behind the gateway."""

    model: str = Field(min_length=1)
    on_error: Literal["allow", "block"] = "allow"
    max_tokens: int = Field(default=16, ge=1, le=256)


class Guards(_Strict):
    input: list[str] = ["pii", "secrets", "prompt_injection", "policy"]
    output: list[str] = ["pii", "secrets", "links"]
    pii_action: Literal["redact", "block"] = "redact"
    fail_fast: bool = True
    allowed_link_hosts: list[str] = []  # the `links` output guard removes links and images to other hosts
    model_classifier: ModelClassifier | None = None  # used when `model_classifier` is listed in input/output


class Audit(_Strict):
    enabled: bool = True
    hmac: bool = False
    # full: fsync every record (survives power loss); normal: survives a process crash, fsync at checkpoints.
    durability: Literal["full", "normal"] = "full"


class Evals(_Strict):
    thresholds: dict[str, float] = {}
    regression_tolerance: float = Field(default=0.02, ge=0)


class TemplatePolicy(_Strict):
    max_versions_behind: int = Field(default=1, ge=0)


class Governance(_Strict):
    version: int = 1
    feature: str
    pattern: str
    risk_tier: Tier
    owner_team: str
    owners: list[str] = Field(min_length=1)
    okr: Okr
    budget: Budget
    guards: Guards = Guards()
    audit: Audit = Audit()
    human_in_the_loop: bool = False
    evals: Evals = Evals()
    template: TemplatePolicy = TemplatePolicy()

    @model_validator(mode="after")
    def _tier_minimums(self) -> Governance:
        if self.budget.daily_usd > self.budget.monthly_usd:
            raise ValueError("budget.daily_usd must not exceed budget.monthly_usd")
        return self


def load_yaml_model(path: Path, model: type[M], *, what: str) -> M:
    """Parse a YAML config file into `model`, turning any mistake into one line naming the field.

    Every versioned config (governance.yml, pattern rules) loads through here, so a typo
    reads the same everywhere: `file: field.path: what is wrong`.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{what} not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(f"{path.name}: {where}: {first['msg']}") from error


def load_governance(path: Path) -> Governance:
    """Parse and validate governance.yml."""
    return load_yaml_model(path, Governance, what="governance file")
