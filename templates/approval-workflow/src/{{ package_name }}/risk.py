"""Risk classification of proposed actions, from the versioned rules in `rules/action_risk.yml`.

Deterministic rules, not the model, decide the risk: a model can be talked into
calling a dangerous action harmless, a rule cannot. Rules only escalate, so adding
a rule can never make an action need less review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .platform.errors import ConfigError
from .platform.governance import Tier, load_yaml_model

Risk = Literal["low", "medium", "high"]
RISKS: tuple[Risk, ...] = ("low", "medium", "high")
RULES_FILE = Path("rules") / "action_risk.yml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Escalation(_Strict):
    """Raise the risk to `risk` when the condition holds; `param` None means the proposal context."""

    param: str | None = None
    gt: float | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    contains_any: list[str] | None = None
    risk: Risk
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _one_condition(self) -> Escalation:
        given = [name for name in ("gt", "in_", "contains_any") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each escalation needs exactly one of: gt, in, contains_any")
        return self

    def holds(self, params: dict[str, Any], context: str) -> bool:
        value = context if self.param is None else params.get(self.param)
        if value is None:
            return False
        if self.gt is not None:
            return isinstance(value, int | float) and value > self.gt
        if self.in_ is not None:
            return value in self.in_
        return any(_mentions(str(value), word) for word in self.contains_any or [])


class ActionRule(_Strict):
    base_risk: Risk
    escalate: list[Escalation] = []


class RiskRules(_Strict):
    version: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    default_expiry_hours: int = Field(ge=1)
    auto_approve: dict[Tier, list[Risk]]
    note_required_for: list[Risk] = ["high"]
    actions: dict[str, ActionRule]
    context_escalate: list[Escalation] = []

    @model_validator(mode="after")
    def _high_risk_needs_a_human(self) -> RiskRules:
        for tier, risks in self.auto_approve.items():
            if "high" in risks:
                raise ValueError(f"auto_approve.{tier}: high-risk actions always need a human approver")
        for rule in self.context_escalate:
            if rule.param is not None:
                raise ValueError("context_escalate: rules match the context text and take no 'param'")
        return self

    def require_actions(self, registered: Iterable[str]) -> None:
        """Fail closed: an executor without a rule could never be classified."""
        missing = sorted(set(registered) - set(self.actions))
        if missing:
            raise ConfigError(f"{RULES_FILE}: actions: no risk rule for registered action(s) {missing}")

    def classify(self, action: str, params: dict[str, Any], context: str = "") -> RiskAssessment:
        rule = self.actions.get(action)
        if rule is None:  # unreachable for registered actions (require_actions); fail closed anyway
            return RiskAssessment("high", (f"no rule for action {action!r}",), self.version)
        assessment = RiskAssessment(rule.base_risk, (f"base risk of {action}",), self.version)
        for escalation in [*rule.escalate, *self.context_escalate]:
            if escalation.holds(params, context):
                assessment = assessment.at_least(escalation.risk, escalation.reason)
        return assessment

    def may_auto_approve(self, risk: Risk, project_tier: Tier) -> bool:
        """Low-risk work may skip review only where the project tier allows it; high risk never."""
        return risk != "high" and risk in self.auto_approve.get(project_tier, [])


@dataclass(frozen=True)
class RiskAssessment:
    """The classifier's verdict and every rule that contributed to it."""

    risk: Risk
    reasons: tuple[str, ...]
    policy_version: str

    def at_least(self, risk: Risk, reason: str) -> RiskAssessment:
        """Escalate to `risk` (never lower it) and say why."""
        higher = max(self.risk, risk, key=RISKS.index)
        return RiskAssessment(higher, (*self.reasons, f"{reason} -> {risk}"), self.policy_version)


def _mentions(text: str, phrase: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}\b", text, re.IGNORECASE) is not None


def load_rules(path: Path) -> RiskRules:
    """Parse and validate the rules file, turning mistakes into one line naming the field."""
    return load_yaml_model(path, RiskRules, what="risk rules")
