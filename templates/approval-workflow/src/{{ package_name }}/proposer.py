"""The model proposes: a free-text request becomes a typed action with parameters and a confidence.

Two proposers share one contract (`propose(request, evidence) -> Draft`):

- `LocalProposer` (default, offline): a deterministic parser and classifier. It recognises the
  registered actions by their cue phrases, reads order ids, amounts, currencies and audiences
  from the request, and fills what the request leaves out (the amount of a double charge) from
  the evidence. It refuses rather than guesses: no action, or a missing amount, is a 422.
- `ModelProposer`: a real model through the governed gateway, asked for JSON that matches a
  schema built from the action registry. Its output is parsed and validated like any untrusted
  input; invalid output is refused (and audited), never executed.

Neither decides risk or approval: the rules do, after this step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .actions import ActionRegistry
from .drafting import screened_passages
from .evidence import Evidence
from .platform.assets import Prompt
from .platform.runtime import Runtime
from .proposals import InvalidProposal
from .risk import fold_words, mentions

LOCAL_PROPOSER = "local-parser@1"


@dataclass(frozen=True)
class Draft:
    """A proposed action before the rules see it."""

    action: str
    params: dict[str, Any]
    confidence: float
    proposer: str
    rationale: str = ""  # a model proposer writes its own; the local one leaves it to drafting
    cited: tuple[str, ...] = ()


class Proposer(Protocol):
    def propose(self, request: str, evidence: list[Evidence], *, actor: str) -> Draft: ...


# -- the offline parser ---------------------------------------------------------------------------

REFUND_CUES = (
    "refund", "reimburse", "money back", "pay back", "charged twice", "double charged", "double charge",
    "duplicate charge", "duplicate capture", "captured twice", "overcharged", "charge back the duplicate",
)  # fmt: skip
NOTICE_CUES = ("notify", "notice", "tell", "inform", "let know", "email", "e-mail", "announce", "message", "write to")
CANCELLED_CUES = ("cancelled", "canceled", "out of stock", "never shipped", "returned")
CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "chf": "CHF", "sek": "SEK", "jpy": "JPY", "¥": "JPY", "yen": "JPY",
}  # fmt: skip
_CURRENCY = r"(€|\$|£|¥|eur|euros?|usd|dollars?|gbp|pounds?|chf|sek|jpy|yen)"
_NUMBER = r"(\d{1,3}(?:[ ,]\d{3})+(?:\.\d{1,2})?|\d+(?:[.,]\d{1,2})?(?!\d))"
_AMOUNT = re.compile(rf"(?:{_CURRENCY}\s?{_NUMBER}|{_NUMBER}\s?{_CURRENCY})(?![a-z])", re.IGNORECASE)
_ORDER = re.compile(r"\border\s*(?:no\.?|number|nr\.?|id)?\s*[#:]?\s*([A-Za-z]{0,3}-?\d{2,12})\b", re.IGNORECASE)
_CUSTOMER = re.compile(r"\bcustomer\s*(?:no\.?|number|id)?\s*[#:]?\s*([A-Za-z]{0,3}-?\d{2,12})\b", re.IGNORECASE)
_SEGMENT = re.compile(r"\b(?:segment\s+([a-z0-9][a-z0-9-]{0,39})|([a-z0-9][a-z0-9-]{0,39})\s+segment)\b", re.I)
_EVERYONE = ("all customers", "every customer", "all our customers", "everyone", "all users", "every user")
_QUOTED = re.compile(r"[\"“”'‘’]([^\"“”]{8,400})[\"“”'‘’]")
_SAYING = re.compile(r"\b(?:that|saying|to say)\s+(.{8,400}?)(?:[.!?](?:\s|$)|$)", re.IGNORECASE)
_ABOUT = re.compile(r"\babout\s+(?:the\s+|their\s+|his\s+|her\s+)?(.{3,80}?)(?:[.,;!?]|\s+(?:that|saying)\b|$)", re.I)


class LocalProposer:
    """Deterministic request parser: good enough for the golden set, honest about what it cannot read."""

    name = LOCAL_PROPOSER

    def __init__(self, registry: ActionRegistry) -> None:
        self.registry = registry

    def propose(self, request: str, evidence: list[Evidence], *, actor: str) -> Draft:
        refund_hits = sum(mentions(request, cue) for cue in REFUND_CUES)
        notice_hits = sum(mentions(request, cue) for cue in NOTICE_CUES)
        if not refund_hits and not notice_hits:
            raise InvalidProposal(
                f"request: could not tell which action is wanted; registered actions: {self.registry.names()}"
            )
        wants_notice = notice_hits > 0 and (refund_hits == 0 or _leads_with_notice(request))
        if wants_notice:
            return self._notice(request, confident=refund_hits == 0)
        return self._refund(request, evidence, confident=notice_hits == 0)

    def _refund(self, request: str, evidence: list[Evidence], *, confident: bool) -> Draft:
        confidence = 0.55 if confident else 0.4
        order = _ORDER.search(request)
        if order is None:
            raise InvalidProposal("request: a refund needs an order id ('order A-1001'); none was found")
        order_id = order.group(1)
        confidence += 0.2
        amounts = _amounts(request)
        if amounts:
            amount, currency = amounts[0]
            confidence += 0.2
        else:
            found = _amount_from_evidence(order_id, evidence)
            if found is None:
                raise InvalidProposal(
                    f"request: no amount given for order {order_id} and none found in the evidence; say how much"
                )
            amount, currency = found
            confidence += 0.15
        if len(amounts) > 1:
            confidence -= 0.15  # several amounts: the first may not be the refund
        params = {"order_id": order_id, "amount": amount, "currency": currency}
        return Draft("refund_order", params, round(min(confidence, 0.99), 2), self.name)

    def _notice(self, request: str, *, confident: bool) -> Draft:
        confidence = 0.5 if confident else 0.4
        lowered = " ".join(fold_words(request))
        segment = _SEGMENT.search(request)
        customer = _CUSTOMER.search(request)
        if any(phrase in lowered for phrase in _EVERYONE):
            audience, recipient = "all_customers", "all_customers:*"
        elif segment:
            audience, recipient = "segment", f"segment:{(segment.group(1) or segment.group(2)).lower()}"
        elif customer:
            audience, recipient = "customer", f"customer:{customer.group(1)}"
        else:
            raise InvalidProposal("request: a notice needs a recipient (a customer id, a segment or all customers)")
        confidence += 0.2
        quoted = _QUOTED.search(request) or _SAYING.search(request)
        body = quoted.group(1).strip() if quoted else ""
        if body:
            confidence += 0.2
        else:
            body = request.strip()[:400]
        about = _ABOUT.search(request)
        order = _ORDER.search(request)
        subject = (
            f"About {about.group(1).strip()}" if about else f"About order {order.group(1)}" if order else "A message"
        )
        params = {"audience": audience, "recipient": recipient, "subject": subject[:200], "body": body}
        return Draft("send_notice", params, round(min(confidence, 0.99), 2), self.name)


def _leads_with_notice(request: str) -> bool:
    """`Tell customer 4411 their refund is on its way`: the refund is the topic, the notice the action."""
    first = " ".join(fold_words(request)[:3])
    return any(
        first.startswith(cue) or f" {cue}" in f" {first}"
        for cue in (
            "please tell",
            "tell",
            "notify",
            "inform",
            "email",
            "let",
            "send a notice",
            "send a message",
            "write to",
            "announce",
        )
    )


def _amounts(text: str) -> list[tuple[float, str]]:
    found = []
    for match in _AMOUNT.finditer(text):
        symbol = (match.group(1) or match.group(4) or "").lower()
        number = (match.group(2) or match.group(3) or "").replace(" ", "")
        if "," in number and "." not in number and len(number.split(",")[-1]) in (1, 2):
            number = number.replace(",", ".")  # 49,90 EUR
        number = number.replace(",", "")
        try:
            found.append((float(number), CURRENCY_WORDS[symbol]))
        except (KeyError, ValueError):
            continue
    return found


def _amount_from_evidence(order_id: str, evidence: list[Evidence]) -> tuple[float, str] | None:
    """The charge amount stated in a passage about this order (the first amount it names)."""
    wanted = re.compile(rf"\border\s+{re.escape(order_id)}\b", re.IGNORECASE)
    for passage in evidence:
        if wanted.search(passage.text):
            amounts = _amounts(passage.text)
            if amounts:
                return amounts[0]
    return None


# -- a real model --------------------------------------------------------------------------------


class ModelDraft(BaseModel):
    """What the model must return (extra keys are refused too)."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1, max_length=64)
    params: dict[str, Any]
    rationale: str = Field(min_length=1, max_length=2000)
    evidence: list[str] = Field(max_length=10)
    confidence: float = Field(ge=0, le=1)


def response_schema(registry: ActionRegistry) -> dict[str, Any]:
    """JSON schema the gateway passes to the model (OpenAI `response_format` json_schema)."""
    variants = []
    for name in registry.names():
        params_schema = registry.get(name).params.model_json_schema()
        params_schema.pop("title", None)
        variants.append({"type": "object", "properties": {"action": {"const": name}, "params": params_schema}})
    schema = ModelDraft.model_json_schema()
    schema["properties"]["action"]["enum"] = registry.names()
    schema["allOf"] = [{"oneOf": variants}]
    return {"name": "proposed_action", "strict": False, "schema": schema}


class ModelProposer:
    """A model through `runtime.complete` (guards, budget, gateway, audit), asked for schema-bound JSON."""

    def __init__(self, runtime: Runtime, registry: ActionRegistry, prompt: Prompt) -> None:
        self.runtime, self.registry, self.prompt = runtime, registry, prompt
        self.name = f"model:{runtime.settings.model}"
        self.schema = response_schema(registry)

    def propose(self, request: str, evidence: list[Evidence], *, actor: str) -> Draft:
        passages = screened_passages(self.runtime, evidence, actor=actor)
        lines = [f"[E{number}] {passage.text}" for number, passage in enumerate(passages, start=1)]
        answer = self.runtime.complete(  # the passages as screened context, the request for the input guards
            feature="propose_action",
            actor=actor,
            system=self.prompt.text,
            user=f"Request: {request}\nActions: {', '.join(self.registry.names())}",
            context="\n".join(lines),
            prompt_version=self.prompt.ref,
            max_tokens=600,
            response_format={"type": "json_schema", "json_schema": self.schema},
        )
        return self.parse(answer.text, evidence)

    def parse(self, text: str, evidence: list[Evidence]) -> Draft:
        """Validate the model's JSON; anything off is refused with the field that is wrong."""
        try:
            raw = json.loads(text)
            draft = ModelDraft.model_validate(raw)
        except json.JSONDecodeError as error:
            raise InvalidProposal(f"model output refused: not JSON ({error.msg})") from error
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(all)"
            raise InvalidProposal(f"model output refused: {where}: {first['msg']}") from error
        if draft.action not in self.registry.names():
            raise InvalidProposal(f"model output refused: action {draft.action!r} is not registered")
        try:
            params = self.registry.validate_params(draft.action, draft.params).model_dump(mode="json")
        except InvalidProposal as error:
            raise InvalidProposal(f"model output refused: {error.detail}") from error
        known = {f"E{number}" for number in range(1, len(evidence) + 1)}
        unknown = sorted(set(draft.evidence) - known)
        if unknown:
            raise InvalidProposal(f"model output refused: cites evidence {unknown} that was not retrieved")
        return Draft(draft.action, params, draft.confidence, self.name, draft.rationale, tuple(draft.evidence))
