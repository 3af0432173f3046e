"""The drafting step as pure functions: the prompt the model sees, and the draft built from its claims."""

from __future__ import annotations

import re

from .linking import TaggedSource
from .platform.gateway.evidence_prompt import evidence_message, says_dont_know
from .records import Claim, DraftStatus


def build_user_message(sources: list[TaggedSource], instruction: str) -> str:
    """The platform's evidence prompt: each paragraph of a source behind the source's tag, then the instruction."""
    blocks = []
    for tagged in sources:
        for paragraph in re.split(r"\n\s*\n", tagged.source.text):
            flat = " ".join(paragraph.split())
            if flat:
                blocks.append((tagged.tag, flat))
    return evidence_message(blocks, instruction)


def is_refusal(model_output: str) -> bool:
    return says_dont_know(model_output)


def compose_text(claims: list[Claim], on_unsupported: str) -> str:
    """The draft as a reader sees it: claims cite source ids; unsupported ones are removed or marked."""
    sentences = []
    for claim in claims:
        if claim.status == "unsupported" and on_unsupported == "remove":
            continue
        marker = " ".join(f"[{source}]" for source in claim.cited_sources)
        if claim.status == "unsupported":
            marker = (marker + " [unsupported]").strip()
        sentences.append(_cite(claim.text, marker))
    return " ".join(sentences)


def draft_status(claims: list[Claim]) -> DraftStatus:
    supported = sum(claim.status == "supported" for claim in claims)
    if supported == 0:
        return "no_support"
    return "supported" if supported == len(claims) else "partial"


def _cite(sentence: str, marker: str) -> str:
    if not marker:
        return sentence
    if sentence[-1] in ".!?":
        return f"{sentence[:-1]} {marker}{sentence[-1]}"
    return f"{sentence} {marker}"
