"""Heading-aware chunking with overlap.

A chunk never spans two sections, so it carries one heading path and an answer cites
one place. Long sections become overlapping windows that end at a paragraph or
sentence boundary where one is near, so a fact is not cut in half; the overlap means
a sentence at a window's edge is whole in at least one chunk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .parsers import Section

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+|\n")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Chunk:
    """`start`/`end` are offsets in the document's extracted text: `text == document.text[start:end]`."""

    ordinal: int
    heading: str
    text: str
    start: int
    end: int


def chunk_sections(sections: Sequence[Section], *, max_chars: int, overlap_chars: int) -> list[Chunk]:
    """Split each section into windows of at most `max_chars`, overlapping by about `overlap_chars`."""
    if max_chars < 100 or not 0 <= overlap_chars < max_chars // 2:
        raise ValueError("chunking needs max_chars >= 100 and 0 <= overlap_chars < max_chars / 2")
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in sections:
        for start, end in _windows(section.text, max_chars, overlap_chars):
            text = section.text[start:end]
            if text in seen:  # repeated boilerplate inside one document is indexed once
                continue
            seen.add(text)
            chunks.append(Chunk(len(chunks), section.heading, text, section.start + start, section.start + end))
    return chunks


def _windows(text: str, max_chars: int, overlap_chars: int) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    start = _skip_space(text, 0)
    while start < len(text):
        end = min(start + max_chars, len(text))
        if end < len(text):
            end = _break_before(text, start, end, min_length=max_chars // 2)
        windows.append((start, _trim_end(text, start, end)))
        if end >= len(text):
            break
        start = _skip_space(text, _resume_after(text, max(end - overlap_chars, start + 1), end))
    return windows


def _break_before(text: str, start: int, end: int, *, min_length: int) -> int:
    """The last paragraph, sentence or word boundary in (start + min_length, end]."""
    floor = start + min_length
    paragraph = text.rfind("\n\n", floor, end)
    if paragraph != -1:
        return paragraph + 2
    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(text, floor, end)]
    if sentence_ends:
        return sentence_ends[-1]
    space = max(text.rfind(" ", floor, end), text.rfind("\n", floor, end))
    return space + 1 if space != -1 else end


def _resume_after(text: str, position: int, end: int) -> int:
    """Where the next window starts: a sentence start inside the overlap if any, else a word start."""
    sentence = _SENTENCE_END.search(text, position, end)
    if sentence and sentence.end() < end:
        return sentence.end()
    if position > 0 and not text[position - 1].isspace():
        space = _WHITESPACE.search(text, position, end)
        return space.end() if space else end
    return position


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
