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
_ABBREVIATIONS = frozenset(["e.g.", "i.e.", "etc.", "vs.", "cf.", "no.", "approx.", "incl."])


@dataclass(frozen=True)
class DraftedClaim:
    text: str
    tags: list[str]
    quotes: list[str]


def _sentences(flat: str) -> list[str]:
    """Split after sentence punctuation, but not after "e.g." or before a lower-case word."""
    pieces: list[str] = []
    start = 0
    for boundary in _SENTENCE_END.finditer(flat):
        before = flat[start : boundary.start()]
        last_word = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
        following = flat[boundary.end() : boundary.end() + 1]
        if not before.rstrip(".!?").endswith("]") and (last_word in _ABBREVIATIONS or following.islower()):
            continue
        pieces.append(before)
        start = boundary.end()
    pieces.append(flat[start:])
    return pieces


def split_claims(output: str) -> list[DraftedClaim]:
    sentences: list[str] = []
    for piece in _sentences(" ".join(output.split())):
        leading = _LEADING_TAGS.match(piece)
        if leading and sentences:
            sentences[-1] += leading.group(0)
            piece = piece[leading.end() :]
        if piece.strip():
            sentences.append(piece.strip())
    claims = []
    for sentence in sentences:
        text = _TAGS_AROUND.sub("", sentence).strip()
        if content_words(text) and not text.endswith("?"):
            tags = list(dict.fromkeys(_TAG.findall(sentence)))
            claims.append(DraftedClaim(text, tags, _QUOTED.findall(text)))
    return claims
