"""The rationale a reviewer reads: facts from the evidence and the request's context, each cited.

Evidence passages are tagged `[E1]`, `[E2]` ..., the request's context paragraphs `[C1]` ...;
the draft goes through `runtime.complete` (guards, budget, audit) and counts as supported only
if it cites a tag that was really given. The model never decides risk or approval, and an
unsupported draft can only make review stricter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from .actions import Action
from .evidence import Evidence
from .platform.assets import Prompt
from .platform.gateway.evidence_prompt import evidence_context, evidence_message, question_line
from .platform.guardrails import scan_context
from .platform.runtime import Runtime

MAX_CONTEXT_BLOCKS = 20
_TAG = re.compile(r"\[([EC]\d+)\]")


@dataclass(frozen=True)
class Rationale:
    text: str
    supported: bool
    prompt_version: str
    cited: tuple[str, ...] = ()


def context_blocks(context: str) -> list[str]:
    """Paragraphs of the context, one line each, so every block gets one tag."""
    paragraphs = (" ".join(block.split()) for block in re.split(r"\n\s*\n", context))
    return [paragraph for paragraph in paragraphs if paragraph][:MAX_CONTEXT_BLOCKS]


def tagged_sources(evidence: list[Evidence], context: str) -> dict[str, str]:
    """Tag -> text for everything the rationale may cite."""
    sources = {f"E{number}": passage.text for number, passage in enumerate(evidence, start=1)}
    sources |= {f"C{number}": block for number, block in enumerate(context_blocks(context), start=1)}
    return sources


def screened_passages(runtime: Runtime, evidence: list[Evidence], *, actor: str) -> list[Evidence]:
    """The passages as a model may read them, screened as rag screens its chunks.

    Sentences that read as instructions are cut (`scan_context`), then the input guards' document
    variant runs (pii and secrets redact; `prompt_injection` without its learned signal, which judges
    requests). A passage they block keeps its place, so tags still line up, but its text is withheld
    and the step audited. The passages then go to the model as `context`, not as the request.
    """
    screened = []
    for passage in evidence:
        verdict = runtime.document_guards.run(scan_context(passage.text).text)
        if verdict.blocked:
            details = {"passage": passage.id, "guards": list(verdict.blocked_by)}
            runtime.record(actor=actor, action="proposal.evidence", decision="withheld", details=details)
            screened.append(replace(passage, text="[withheld by the guards]"))
        else:
            screened.append(replace(passage, text=verdict.text))
    return screened


def cited_tags(text: str, sources: dict[str, str]) -> tuple[tuple[str, ...], bool]:
    """Tags the text cites, and whether all of them (and at least one) are real."""
    cited = tuple(dict.fromkeys(_TAG.findall(text)))
    return cited, bool(cited) and all(tag in sources for tag in cited)


def draft_rationale(
    runtime: Runtime,
    prompt: Prompt,
    *,
    actor: str,
    action: Action,
    params: dict[str, Any],
    evidence: list[Evidence],
    context: str,
) -> Rationale:
    """Ask the model for a cited justification; supported only if it cites a real source."""
    sources = tagged_sources(evidence, context)
    if not sources:
        return Rationale("No evidence or context was found for this proposal.", False, prompt.ref)
    values = ", ".join(str(params[name]) for name in action.prompt_params if name in params)
    question = f"Why should we {action.description} ({values})?"
    passages = tagged_sources(screened_passages(runtime, evidence, actor=actor), "")
    requested = [(tag, text) for tag, text in sources.items() if tag not in passages]  # the request's context
    answer = runtime.complete(  # the same text as one evidence_message; the input guards judge the request part
        feature="propose",
        actor=actor,
        system=prompt.text,
        user=evidence_message(requested, question) if requested else question_line(question),
        context=evidence_context(passages.items()),
        prompt_version=prompt.ref,
        max_tokens=300,
    )
    text = answer.text.strip()
    cited, supported = cited_tags(text, sources)
    return Rationale(text, supported, prompt.ref, cited)
