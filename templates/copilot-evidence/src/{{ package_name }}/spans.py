"""Character spans in source text: sentence boundaries, quote location, support and verification.

Offsets always index the source exactly as registered (never a normalised copy), so
`source.text[start:end] == quote` is a check anyone can repeat with the ledger and the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r"(?<=[.!?])\s+|\n\s*\n")
_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_STOPWORD_TEXT = """
a an and are as at be been but by can could did do does for from had has have he her his how i if in into
is it its may might more most must no not of on or our shall she should so such than that the their them
then there these they this those to under up very was we were what when where which while who will with
would you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str) -> list[Span]:
    """Sentences and paragraph-separated lines, trimmed of surrounding whitespace."""
    spans: list[Span] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        _add_trimmed(spans, text, start, boundary.start())
        start = boundary.end()
    _add_trimmed(spans, text, start, len(text))
    return spans


def _add_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))


def content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in STOPWORDS}


def numbers(text: str) -> set[str]:
    return {number.replace(",", "") for number in _NUMBER.findall(text)}


def coverage(claim: str, passage: str, *, numbers_must_match: bool = True) -> float:
    """Share of the claim's content words found in the passage; 0 if a claimed number is missing."""
    wanted = content_words(claim)
    if not wanted:
        return 0.0
    if numbers_must_match and not numbers(claim) <= numbers(passage):
        return 0.0
    return len(wanted & content_words(passage)) / len(wanted)


def locate(text: str, quote: str) -> Span | None:
    """Where `quote` occurs in `text`: exactly, or with any run of whitespace in place of each space."""
    if not quote.strip():
        return None
    index = text.find(quote)
    if index >= 0:
        return Span(index, index + len(quote))
    pattern = r"\s+".join(re.escape(word) for word in quote.split())
    match = re.search(pattern, text)
    return Span(match.start(), match.end()) if match else None


def verify(text: str, start: int, end: int, quote: str) -> bool:
    """The quote really occurs at that span of the source."""
    return 0 <= start < end <= len(text) and text[start:end] == quote
