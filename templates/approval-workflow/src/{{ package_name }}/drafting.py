"""The model's part: draft the justification a reviewer reads, from the proposal's context.

The model never decides risk or approval. Its draft goes through `runtime.complete`
(guards, budget, audit) and may only make review *stricter*: a draft that finds no
support in the context escalates the proposal to at least medium risk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .actions import Action
from .platform.assets import Prompt
from .platform.gateway.evidence_prompt import evidence_message
from .platform.runtime import Runtime

MAX_CONTEXT_BLOCKS = 20
_TAG = re.compile(r"\[C(\d+)\]")


@dataclass(frozen=True)
class Rationale:
    text: str
    supported: bool
    prompt_version: str


def context_blocks(context: str) -> list[str]:
    """Paragraphs of the context, one line each, so every block gets one tag."""
    paragraphs = (" ".join(block.split()) for block in re.split(r"\n\s*\n", context))
    return [paragraph for paragraph in paragraphs if paragraph][:MAX_CONTEXT_BLOCKS]


def build_user_message(action: Action, params: dict[str, Any], blocks: list[str]) -> str:
    """The platform's evidence prompt: context blocks tagged C1..Cn, then why the action is needed."""
    values = ", ".join(str(params[name]) for name in action.prompt_params if name in params)
    tagged = ((f"C{number}", block) for number, block in enumerate(blocks, start=1))
    return evidence_message(tagged, f"Why should we {action.description} ({values})?")


def draft_rationale(
    runtime: Runtime, prompt: Prompt, *, actor: str, action: Action, params: dict[str, Any], context: str
) -> Rationale:
    """Ask the model for a cited justification; supported only if it cites a real context block."""
    blocks = context_blocks(context)
    if not blocks:
        return Rationale("No context was supplied with this proposal.", False, prompt.ref)
    answer = runtime.complete(
        feature="propose",
        actor=actor,
        system=prompt.text,
        user=build_user_message(action, params, blocks),
        prompt_version=prompt.ref,
        max_tokens=300,
    )
    text = answer.text.strip()
    cited = {int(number) for number in _TAG.findall(text)}
    supported = bool(cited) and all(1 <= number <= len(blocks) for number in cited)
    return Rationale(text, supported, prompt.ref)
