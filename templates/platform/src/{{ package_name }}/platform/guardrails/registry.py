"""Guard names as written in `governance.yml`, and the builder the runtime calls.

A dict from name to factory, not an `if` chain: adding a guard is one line here, and the
error for a typo can list every accepted name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from ..errors import ConfigError
from .classifier import AskClassifier, ModelClassifierGuard
from .injection import PromptInjectionGuard
from .links import LinkGuard
from .pii import PiiGuard
from .pipeline import GuardPipeline
from .policy import PolicyGuard, load_policies
from .result import OutputGuard
from .secrets import SecretsGuard


class GuardsConfig(Protocol):
    """The `guards:` block of governance.yml (`governance.Guards` satisfies this)."""

    input: list[str]
    output: list[str]
    pii_action: Literal["redact", "block"]
    fail_fast: bool
    allowed_link_hosts: list[str]
    model_classifier: ClassifierConfig | None


class ClassifierConfig(Protocol):
    """`guards.model_classifier` (`governance.ModelClassifier` satisfies this)."""

    model: str
    on_error: Literal["allow", "block"]
    max_tokens: int


@dataclass(frozen=True, slots=True)
class GuardContext:
    """What a factory may use to configure its guard."""

    pii_action: Literal["redact", "block"]
    policies_dir: Path
    allowed_link_hosts: tuple[str, ...] = ()
    classifier: ClassifierConfig | None = None
    ask_classifier: AskClassifier | None = None  # the runtime's governed call (budget, gateway, audit)


def _model_classifier(context: GuardContext) -> ModelClassifierGuard:
    if context.classifier is None:
        raise ConfigError(
            "governance.yml: guards.model_classifier: the model_classifier guard needs "
            "`model_classifier: {model: <safety model served at the OpenAI-compatible endpoint>}`"
        )
    if context.ask_classifier is None:
        raise ConfigError(
            "governance.yml: guards.model_classifier: no governed model call to reach the classifier with"
            " (build the pipelines through Runtime)"
        )
    return ModelClassifierGuard(
        ask=context.ask_classifier,
        model=context.classifier.model,
        on_error=context.classifier.on_error,
        max_tokens=context.classifier.max_tokens,
    )


GuardFactory = Callable[[GuardContext], OutputGuard]

GUARDS: dict[str, GuardFactory] = {
    "links": lambda context: LinkGuard(allowed_hosts=context.allowed_link_hosts),
    "model_classifier": _model_classifier,
    "pii": lambda context: PiiGuard(action=context.pii_action),
    "policy": lambda context: PolicyGuard(rules=tuple(load_policies(context.policies_dir))),
    "prompt_injection": lambda context: PromptInjectionGuard(),
    "secrets": lambda context: SecretsGuard(),
}


def _build(names: list[str], setting: str, context: GuardContext, fail_fast: bool) -> GuardPipeline:
    guards = []
    for index, name in enumerate(names):
        factory = GUARDS.get(name)
        if factory is None:
            raise ConfigError(
                f"governance.yml: guards.{setting}[{index}]: unknown guard {name!r}; known: {', '.join(sorted(GUARDS))}"
            )
        guards.append(factory(context))
    return GuardPipeline(guards, fail_fast=fail_fast)


def build_pipelines(
    guards_config: GuardsConfig, policies_dir: Path, *, ask_classifier: AskClassifier | None = None
) -> tuple[GuardPipeline, GuardPipeline]:
    """(input pipeline, output pipeline) as governance.yml's `guards:` block describes them.

    `ask_classifier` is the runtime's governed model call; only the optional `model_classifier` guard uses it.
    """
    context = GuardContext(
        pii_action=guards_config.pii_action,
        policies_dir=policies_dir,
        allowed_link_hosts=tuple(guards_config.allowed_link_hosts),
        classifier=guards_config.model_classifier,
        ask_classifier=ask_classifier,
    )
    return (
        _build(guards_config.input, "input", context, guards_config.fail_fast),
        _build(guards_config.output, "output", context, guards_config.fail_fast),
    )
