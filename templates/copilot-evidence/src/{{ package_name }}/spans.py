"""Character spans in source text: sentence boundaries, quote location, support and verification.

Offsets always index the source exactly as registered (never a normalised copy), so
`source.text[start:end] == quote` is a check anyone can repeat with the ledger and the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BOUNDARY = re.compile(r"(?<=[.!?])[ \t]+|(?<=[.!?])\n|\n\s*\n|\n(?=[ \t]*(?:#{1,6}|[*+-]|\d+[.)])[ \t])")
_LIST_MARKER = re.compile(r"(?:[*+-]|\d+[.)])[ \t]+")
_ABBREVIATIONS = frozenset(
    [
        "e.g.",
        "i.e.",
        "etc.",
        "vs.",
        "cf.",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "no.",
        "approx.",
        "incl.",
        "e.g.,",
        "i.e.,",
    ]
)
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
    """Sentences, list items, headings and paragraph-separated lines, trimmed of surrounding whitespace.

    A full stop after a known abbreviation ("e.g.", "i.e.", "etc.") or before a lower-case word
    does not end a sentence.
    """
    spans: list[Span] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if boundary.group(0).strip() == "" and "\n" not in boundary.group(0):
            before = (
                text[start : boundary.start()].rsplit(None, 1)[-1].lower()
                if text[start : boundary.start()].strip()
                else ""
            )
            following = text[boundary.end() : boundary.end() + 1]
            if before in _ABBREVIATIONS or (following and following.islower()):
                continue
        _add_trimmed(spans, text, start, boundary.start())
        start = boundary.end()
    _add_trimmed(spans, text, start, len(text))
    return spans


def _add_trimmed(spans: list[Span], text: str, start: int, end: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    if marker := _LIST_MARKER.match(text, start, end):
        start = marker.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append(Span(start, end))


_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+", re.IGNORECASE)
_NOTICE = re.compile(
    r"\bcopyright\s+(?:\(c\)\s*|\u00a9\s*)?(?:\d{4}|the\b|by\b)|\u00a9|\(c\)\s*\d{4}|all rights reserved"
    r"|licen[cs]ed under|spdx-license-identifier"
    r"|creative commons|\bCC[- ]BY\b|permission is hereby granted|without warrant(?:y|ies)|provided \"as is\""
    r"|this (?:document|file|page|work) (?:is|was) (?:licen[cs]ed|generated|published)|trademark"
    r"|\bapache licen[cs]e\b|\blicen[cs]e,? version \d|\bmore info:",
    re.IGNORECASE,
)
_VERBISH = re.compile(r"[a-z]{2,}(?:s|ed|en)?\b")
MIN_PROSE_WORDS = 5


def is_prose(sentence: str) -> bool:
    """A sentence a draft may state as a claim: not a title line, a link, a question or a licence notice.

    Title lines are short and end without sentence punctuation; a sentence that is mostly a URL
    says where to look, not what is true; notices state who owns the text, not what it says.
    """
    flat = " ".join(sentence.split())
    words = flat.split()
    if len(words) < MIN_PROSE_WORDS or _NOTICE.search(flat) or flat.endswith("?"):
        return False  # too short to state anything, a notice, or a question (not a statement)
    without_links = _URL.sub("", flat)
    if len(without_links.strip()) < 0.6 * len(flat):
        return False
    if flat[-1] not in ".!?:)\"'" and len(words) < 12:
        return False  # a heading or a table cell, not a sentence
    letters = [ch for ch in flat if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
        return False  # SHOUTED banner or heading
    return bool(_VERBISH.search(without_links.lower()))


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
