"""The library a draft cites: what the copilot asks of it, and the registered-sources library it uses today.

`Library` is the interface the drafting code relies on: passages for a requirement (offsets into
one version of one document, governed by the caller's clearance) and the current version of a
document, so claims citing an older version can be marked stale. The platform knowledge service
(issue #12) implements it for large libraries; until it lands, `SourceLibrary` serves the sources
registered in the evidence ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .ledger import EvidenceLedger
from .platform.auth import CLEARANCES
from .records import SourceVersion
from .spans import content_words, sentence_spans


@dataclass(frozen=True)
class Passage:
    """`document.text[start:end] == text` for the version named."""

    source_id: str
    version: str
    title: str
    start: int
    end: int
    text: str


class Library(Protocol):
    def search(self, text: str, *, clearance: str, limit: int) -> list[Passage]: ...

    def current(self, source_id: str) -> SourceVersion | None: ...


def visible(classification: str, clearance: str) -> bool:
    rank = {name: index for index, name in enumerate(CLEARANCES)}
    return rank.get(classification, len(CLEARANCES)) <= rank.get(clearance, -1)


_SENTENCES: dict[tuple[str, str], list[tuple[int, int, frozenset[str]]]] = {}  # by (id, version): immutable


class SourceLibrary:
    """The sources registered in the evidence ledger, searched sentence by sentence (no index)."""

    def __init__(self, ledger: EvidenceLedger) -> None:
        self.ledger = ledger

    def current(self, source_id: str) -> SourceVersion | None:
        with self.ledger.reading() as conn:
            return self.ledger.source_version(conn, source_id)

    def search(self, text: str, *, clearance: str, limit: int) -> list[Passage]:
        wanted = content_words(text)
        if not wanted:
            return []
        scored: list[tuple[float, int, Passage]] = []
        for source in self.ledger.current_sources():
            if not visible(source.classification, clearance):
                continue
            for start, end, words in self._index(source):
                overlap = len(wanted & words)
                if overlap:
                    passage = Passage(source.id, source.version, source.title, start, end, source.text[start:end])
                    scored.append((-overlap / len(wanted), len(scored), passage))
        scored.sort(key=lambda item: item[:2])
        return [passage for _, _, passage in scored[:limit]]

    def _index(self, source: SourceVersion) -> list[tuple[int, int, frozenset[str]]]:
        key = (source.id, source.version)
        if key not in _SENTENCES:
            _SENTENCES[key] = [
                (span.start, span.end, frozenset(content_words(source.text[span.start : span.end])))
                for span in sentence_spans(source.text)
            ]
        return _SENTENCES[key]
