"""Split a model's draft into claims: one sentence each, with the source tags it cited.

The prompt asks for `... 14 days [S2].`; a tag placed after the full stop (`... days. [S2]`)
is moved back to the sentence it follows, so a sloppy model does not shift citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .spans import content_words

_TAG = re.compile(r"\[(S\d+)\]")
_TAGS_AROUND = re.compile(r"\s*\[S\d+\]")
_LEADING_TAGS = re.compile(r"^(?:\s*\[S\d+\])+")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d]{8,})[\"\u201d]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class DraftedClaim:
    text: str
    tags: list[str]
    quotes: list[str]


def split_claims(output: str) -> list[DraftedClaim]:
    sentences: list[str] = []
    for piece in _SENTENCE_END.split(" ".join(output.split())):
        leading = _LEADING_TAGS.match(piece)
        if leading and sentences:
            sentences[-1] += leading.group(0)
            piece = piece[leading.end() :]
        if piece.strip():
            sentences.append(piece.strip())
    claims = []
    for sentence in sentences:
        text = _TAGS_AROUND.sub("", sentence).strip()
        if content_words(text):
            tags = list(dict.fromkeys(_TAG.findall(sentence)))
            claims.append(DraftedClaim(text, tags, _QUOTED.findall(text)))
    return claims
