"""Risk of a proposed action, from the versioned rules in `rules/action_risk.yml`.

Deterministic rules, not the model, decide the risk: a model can be talked into calling a
dangerous action harmless, a rule cannot. Rules only escalate, and they are built so that
an action cannot be split or disguised to slip under them:

- **amounts** are compared in the base currency (`exchange_rates`), and **cumulatively**: the
  open and executed proposals on the same subject (one order) within the window count too,
  so twenty 50 EUR refunds on one order are one 1,000 EUR refund;
- **recipients** are tied to the declared audience: a "customer" notice whose recipient is
  `all_customers:*`, or a list of many customers, is classified by who it really reaches;
- **words** are matched after folding case, look-alike letters, invisible characters,
  digits-for-letters and spaced-out letters, and match plurals (`chargebacks`, `b4nk det4ils`).

Every reason adds points to a 0-100 score; the score can raise the risk too (several medium
signals together make a high one), never lower it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .platform.errors import ConfigError
from .platform.governance import Tier, load_yaml_model
from .platform.guardrails.obfuscation import CONFUSABLES, INVISIBLE, LEET

Risk = Literal["low", "medium", "high"]
RISKS: tuple[Risk, ...] = ("low", "medium", "high")
RULES_FILE = Path("rules") / "action_risk.yml"
BASE_POINTS: dict[str, int] = {"low": 5, "medium": 30, "high": 70}
ESCALATION_POINTS: dict[str, int] = {"low": 0, "medium": 30, "high": 70}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Escalation(_Strict):
    """Raise the risk to `risk` when the condition holds; `param` None means the request and context text."""

    param: str | None = None
    gt: float | None = None
    amount_gt: float | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    contains_any: list[str] | None = None
    risk: Risk
    reason: str = Field(min_length=1)
    points: int | None = Field(default=None, ge=0, le=100)

    @model_validator(mode="after")
    def _one_condition(self) -> Escalation:
        given = [name for name in ("gt", "amount_gt", "in_", "contains_any") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("each escalation needs exactly one of: gt, amount_gt, in, contains_any")
        return self

    @property
    def weight(self) -> int:
        return ESCALATION_POINTS[self.risk] if self.points is None else self.points

    def holds(self, params: dict[str, Any], text: str, amount_base: float | None) -> bool:
        if self.amount_gt is not None:
            return amount_base is not None and amount_base > self.amount_gt
        value = text if self.param is None else params.get(self.param)
        if value is None:
            return False
        if self.gt is not None:
            return isinstance(value, int | float) and not isinstance(value, bool) and value > self.gt
        if self.in_ is not None:
            return value in self.in_
        return any(mentions(str(value), phrase) for phrase in self.contains_any or [])


class Amount(_Strict):
    """Which param holds the action's amount, and which its currency (else the base currency)."""

    param: str
    currency_param: str | None = None


class Cumulative(_Strict):
    """Add up the amounts of this action on the same subject within `window_days`."""

    window_days: int = Field(ge=1)


class AudienceKind(_Strict):
    """Recipients matching `pattern` reach this audience; at most `max_recipients` of them in one action."""

    pattern: str
    risk: Risk
    max_recipients: int | None = Field(default=None, ge=1)


class Audience(_Strict):
    """Ties the declared audience (`param`) to who the recipients (`recipient_param`) really reach.

    `kinds` go from narrowest to widest; a recipient's audience is the first kind it matches.
    """

    param: str
    recipient_param: str
    kinds: dict[str, AudienceKind]


class ActionRule(_Strict):
    base_risk: Risk
    subject: str | None = None
    amount: Amount | None = None
    cumulative: Cumulative | None = None
    audience: Audience | None = None
    escalate: list[Escalation] = []

    @model_validator(mode="after")
    def _cumulative_needs_subject_and_amount(self) -> ActionRule:
        if self.cumulative is not None and (self.subject is None or self.amount is None):
            raise ValueError("cumulative limits need both 'subject' and 'amount'")
        return self


class Sla(_Strict):
    """A pending proposal of this risk not decided within `review_within_hours` escalates to `escalate_to`."""

    review_within_hours: float = Field(gt=0)
    escalate_to: str = Field(min_length=1)


class RiskRules(_Strict):
    version: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    default_expiry_hours: int = Field(ge=1)
    execution_window_hours: int = Field(default=24, ge=1)
    base_currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    exchange_rates: dict[str, float] = {"EUR": 1.0}
    auto_approve: dict[Tier, list[Risk]]
    approvals_required: dict[Risk, int] = {"low": 1, "medium": 1, "high": 2}
    note_required_for: list[Risk] = ["high"]
    score_thresholds: dict[Risk, int] = {"medium": 30, "high": 90}
    sla: dict[Risk, Sla] = {}
    guard_findings: dict[str, Risk] = {}
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    actions: dict[str, ActionRule]
    context_escalate: list[Escalation] = []

    @model_validator(mode="after")
    def _controls_cannot_be_configured_away(self) -> RiskRules:
        for tier, risks in self.auto_approve.items():
            if "high" in risks:
                raise ValueError(f"auto_approve.{tier}: high-risk actions always need a human approver")
        if self.approvals_required.get("high", 0) < 2:
            raise ValueError("approvals_required.high: high-risk actions need at least 2 distinct approvers")
        for risk, count in self.approvals_required.items():
            if count < 1:
                raise ValueError(f"approvals_required.{risk}: at least 1")
        if self.exchange_rates.get(self.base_currency) != 1.0:
            raise ValueError(f"exchange_rates: the base currency {self.base_currency} must have rate 1.0")
        for rule in self.context_escalate:
            if rule.param is not None or rule.contains_any is None:
                raise ValueError("context_escalate: rules match the request text with contains_any and take no 'param'")
        return self

    def require_actions(self, registered: Iterable[str]) -> None:
        """Fail closed: an executor without a rule could never be classified."""
        missing = sorted(set(registered) - set(self.actions))
        if missing:
            raise ConfigError(f"{RULES_FILE}: actions: no risk rule for registered action(s) {missing}")

    def approvals_for(self, risk: Risk) -> int:
        return max(self.approvals_required.get(risk, 1), 2 if risk == "high" else 1)

    def subject_of(self, action: str, params: dict[str, Any]) -> str:
        """What cumulative limits add up over (`refund_order:A-1001`); '' when the action has none."""
        rule = self.actions.get(action)
        if rule is None or rule.subject is None or params.get(rule.subject) is None:
            return ""
        return f"{action}:{params[rule.subject]}"

    def amount_in_base(self, action: str, params: dict[str, Any]) -> float | None:
        """The action's amount in the base currency; None if it has none or the currency has no rate."""
        rule = self.actions.get(action)
        if rule is None or rule.amount is None:
            return None
        value = params.get(rule.amount.param)
        if not isinstance(value, int | float):
            return None
        currency = str(params.get(rule.amount.currency_param, self.base_currency)) if rule.amount.currency_param else ""
        rate = self.exchange_rates.get(currency or self.base_currency)
        return None if rate is None else round(float(value) * rate, 2)

    def window_days(self, action: str) -> int | None:
        rule = self.actions.get(action)
        return rule.cumulative.window_days if rule and rule.cumulative else None

    def classify(
        self, action: str, params: dict[str, Any], text: str = "", *, prior_amount_base: float = 0.0
    ) -> RiskAssessment:
        """Risk of one action; `prior_amount_base` is what the subject already has open or executed in the window."""
        rule = self.actions.get(action)
        if rule is None:  # unreachable for registered actions (require_actions); fail closed anyway
            return RiskAssessment.start("high", f"no rule for action {action!r}", self)
        assessment = RiskAssessment.start(rule.base_risk, f"base risk of {action}", self)
        amount = self.amount_in_base(action, params)
        total = None if amount is None else round(amount + prior_amount_base, 2)
        if rule.amount is not None and amount is None:
            currency = params.get(rule.amount.currency_param or "", self.base_currency)
            assessment = assessment.add("high", f"no exchange rate for {currency}: the amount cannot be compared", 70)
        for escalation in rule.escalate:
            if escalation.holds(params, text, total):
                reason = escalation.reason
                if escalation.amount_gt is not None and prior_amount_base > 0:
                    reason += f" ({total:.2f} {self.base_currency} with earlier proposals on the same subject)"
                assessment = assessment.add(escalation.risk, reason, escalation.weight)
        if rule.audience is not None:
            for risk, reason in _audience_findings(rule.audience, params):
                assessment = assessment.add(risk, reason, ESCALATION_POINTS[risk])
        for escalation in self.context_escalate:
            if escalation.holds(params, text, total):
                assessment = assessment.add(escalation.risk, escalation.reason, escalation.weight)
        return assessment.scored(self.score_thresholds)

    def may_auto_approve(self, risk: Risk, project_tier: Tier) -> bool:
        """Low-risk work may skip review only where the project tier allows it; high risk never."""
        return risk != "high" and risk in self.auto_approve.get(project_tier, [])


@dataclass(frozen=True)
class RiskAssessment:
    """The verdict, a 0-100 score and every reason that contributed (with its points)."""

    risk: Risk
    score: int
    reasons: tuple[str, ...]
    policy_version: str

    @classmethod
    def start(cls, risk: Risk, reason: str, rules: RiskRules) -> RiskAssessment:
        return cls(risk, BASE_POINTS[risk], (f"{reason} -> {risk} (+{BASE_POINTS[risk]})",), rules.version)

    def add(self, risk: Risk, reason: str, points: int) -> RiskAssessment:
        """Escalate to `risk` (never lower it), add `points` and say why."""
        higher = max(self.risk, risk, key=RISKS.index)
        score = min(100, self.score + points)
        return RiskAssessment(higher, score, (*self.reasons, f"{reason} -> {risk} (+{points})"), self.policy_version)

    def at_least(self, risk: Risk, reason: str) -> RiskAssessment:
        return self.add(risk, reason, ESCALATION_POINTS[risk])

    def scored(self, thresholds: dict[Risk, int]) -> RiskAssessment:
        """Raise the risk to what the score reaches (several medium signals add up to high)."""
        result = self
        for risk in RISKS:
            threshold = thresholds.get(risk)
            if threshold is not None and self.score >= threshold and RISKS.index(risk) > RISKS.index(result.risk):
                reason = f"risk score {self.score} reaches the {risk} threshold {threshold} -> {risk} (+0)"
                result = RiskAssessment(risk, self.score, (*result.reasons, reason), self.policy_version)
        return result


def _audience_findings(audience: Audience, params: dict[str, Any]) -> list[tuple[Risk, str]]:
    """Who the recipients really reach, against the declared audience."""
    names = list(audience.kinds)
    declared = str(params.get(audience.param, names[0]))
    recipients = [part for part in re.split(r"[,;\s]+", str(params.get(audience.recipient_param, ""))) if part]
    reached: dict[str, list[str]] = {}
    findings: list[tuple[Risk, str]] = []
    for recipient in recipients:
        kind = next((name for name in names if re.fullmatch(audience.kinds[name].pattern, recipient)), None)
        if kind is None:
            findings.append(("high", "a recipient matches no known audience"))
            continue
        reached.setdefault(kind, []).append(recipient)
    widest = max(reached, key=names.index, default=declared if declared in names else names[-1])
    for kind, members in reached.items():
        limit = audience.kinds[kind].max_recipients
        if limit is not None and len(members) > limit:
            wider = names[min(names.index(kind) + 1, len(names) - 1)]
            findings.append(
                (audience.kinds[wider].risk, f"{len(members)} {kind} recipients in one notice reach a {wider}")
            )
            widest = max(widest, wider, key=names.index)
    if declared not in names:
        findings.append(("high", f"declared audience {declared!r} is not one of {names}"))
    elif names.index(widest) > names.index(declared):
        findings.append((audience.kinds[widest].risk, f"declared {declared} but the recipients reach {widest}"))
    return findings


# -- words that cannot be hidden ----------------------------------------------------------------

_LETTERS = str.maketrans(CONFUSABLES | dict.fromkeys(INVISIBLE, ""))
_WORD = re.compile(r"[a-z0-9@$!|]+")
_HAS_LETTER = re.compile(r"[a-z]")


def fold_words(text: str) -> list[str]:
    """Words as a reader sees them: case, look-alikes, invisible characters, leet and spacing undone."""
    folded = unicodedata.normalize("NFKC", text).translate(_LETTERS).casefold()
    words = [word.translate(LEET) if _HAS_LETTER.search(word) else word for word in _WORD.findall(folded)]
    return _join_spaced_letters(words)


def _join_spaced_letters(words: list[str]) -> list[str]:
    """`b a n k` and `b.a.n.k` (runs of three or more single letters) become `bank`."""
    joined: list[str] = []
    run: list[str] = []
    for word in [*words, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        joined.extend(["".join(run)] if len(run) >= 3 else run)
        run = []
        if word:
            joined.append(word)
    return joined


def stem(word: str) -> str:
    """Singular-ish form, so `chargebacks`, `refunds`, `policies` and `addresses` match their singular."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=256)
def _phrase(phrase: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in fold_words(phrase))


def mentions(text: str, phrase: str) -> bool:
    """True if `text` says `phrase`, however it is cased, pluralised, spaced or disguised."""
    wanted = _phrase(phrase)
    if not wanted:
        return False
    words = [stem(word) for word in fold_words(text)]
    squashed = "".join(wanted)
    size = len(wanted)
    for start in range(len(words)):
        if tuple(words[start : start + size]) == wanted:
            return True
        for width in (1, 2, 3):  # `charge back`, `chargeback`, `charge-backs` are one word
            window = words[start : start + width]
            if len(window) == width and stem("".join(window)) == squashed:
                return True
    return False


def load_rules(path: Path) -> RiskRules:
    """Parse and validate the rules file, turning mistakes into one line naming the field."""
    return load_yaml_model(path, RiskRules, what="risk rules")
