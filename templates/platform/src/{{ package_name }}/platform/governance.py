"""The governance contract (`governance.yml`): what the organisation decided for this feature.

Read by the runtime (guards, budget, audit), the eval runner and the gate, so the
three can never disagree about tier, thresholds or limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

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
    # Releases of the template this project may fall behind; None: its tier's default (gate/template_versions.py).
    max_versions_behind: int | None = Field(default=None, ge=0)


class Governance(_Strict):
    version: int = 1
    feature: str
    pattern: str
    product_line: str = ""  # the portfolio scorecard groups features by it
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
        return model.model_validate(_read_yaml(path, what))
    except ValidationError as error:
        raise ConfigError(_first_problem(path, error)) from error


def _read_yaml(path: Path, what: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{what} not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error


def _first_problem(path: Path, error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top level)"
    return f"{path.name}: {where}: {first['msg']}"


def load_governance(path: Path) -> Governance:
    """Parse and validate governance.yml."""
    return load_yaml_model(path, Governance, what="governance file")


@dataclass(frozen=True)
class GovernanceFile:
    """governance.yml read once: the contract when it validates, else the error and every section that does.

    The gate reads this: a broken file fails `governance.valid`, and each other control still sees
    the typed section it checks (a missing section means the model's default, as the runtime would
    run it; a section that does not validate is None and its control fails).
    """

    governance: Governance | None
    error: str | None
    risk_tier: Tier | None
    owners: list[str]
    human_in_the_loop: bool
    budget: Budget | None
    guards: Guards | None
    audit: Audit | None
    evals: Evals | None
    template: TemplatePolicy | None


def read_governance(path: Path) -> GovernanceFile:
    """Read and type governance.yml once; never raises."""
    try:
        raw = _read_yaml(path, "governance file")
        governance = Governance.model_validate(raw)
    except ConfigError as problem:
        return _sections({}, str(problem))
    except ValidationError as problem:
        return _sections(raw if isinstance(raw, dict) else {}, _first_problem(path, problem))
    return GovernanceFile(
        governance,
        None,
        governance.risk_tier,
        governance.owners,
        governance.human_in_the_loop,
        governance.budget,
        governance.guards,
        governance.audit,
        governance.evals,
        governance.template,
    )


def _sections(raw: dict[str, Any], error: str) -> GovernanceFile:
    def typed(key: str, kind: Any, default: Any) -> Any:
        if key not in raw:
            return default
        try:
            return TypeAdapter(kind).validate_python(raw[key])
        except ValidationError:
            return None

    return GovernanceFile(
        None,
        error,
        typed("risk_tier", Tier, None),
        typed("owners", list[str], []) or [],
        bool(typed("human_in_the_loop", bool, False)),
        typed("budget", Budget, None),
        typed("guards", Guards, Guards()),
        typed("audit", Audit, Audit()),
        typed("evals", Evals, Evals()),
        typed("template", TemplatePolicy, TemplatePolicy()),
    )
