"""The library a draft cites: the platform knowledge service, plus the evidence ledger's copy of each text.

The knowledge service (platform/knowledge) parses, chunks, indexes and searches the documents
under the caller's clearance; the copilot has no index of its own. The ledger keeps the extracted
text of every version it was given, because evidence spans are offsets into exactly that text and
must stay checkable after the document changes (claims citing an old version turn stale).
A search hit becomes a `Passage` only when its chunk is, character for character, the ledger's
text at the hit's offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .ledger import EvidenceLedger
from .platform.auth import CLEARANCES
from .platform.knowledge import KnowledgeService, KnowledgeSettings
from .records import SourceVersion

if TYPE_CHECKING:
    from .platform.knowledge.ingest.metadata import DocumentMetadata
    from .platform.knowledge.ingest.parsers import ParsedDocument
    from .platform.runtime import Runtime

NAMESPACE = "library"


@dataclass(frozen=True)
class Passage:
    """`version.text[start:end] == text` for the version named."""

    source_id: str
    version: str
    title: str
    start: int
    end: int
    text: str


class Library(Protocol):
    def search(self, text: str, *, clearance: str, limit: int) -> list[Passage]: ...

    def current(self, source_id: str) -> SourceVersion | None: ...

    def index(self, parsed: ParsedDocument, metadata: DocumentMetadata, *, document_id: str, source: str) -> None: ...

    def close(self) -> None: ...


def visible(classification: str, clearance: str) -> bool:
    rank = {name: index for index, name in enumerate(CLEARANCES)}
    return rank.get(classification, len(CLEARANCES)) <= rank.get(clearance, -1)


class KnowledgeLibrary:
    """The knowledge service's index for search; the ledger for the exact text of each version."""

    def __init__(self, knowledge: KnowledgeService, ledger: EvidenceLedger) -> None:
        self.knowledge, self.ledger = knowledge, ledger

    @classmethod
    def open(cls, runtime: Runtime, ledger: EvidenceLedger, *, folder: Path | None = None) -> KnowledgeLibrary:
        """The configured index (namespace `library`), or a SQLite index in `folder` (scratch ledgers)."""
        settings = KnowledgeSettings()
        if folder is None:
            return cls(KnowledgeService.from_runtime(runtime, settings, namespace=NAMESPACE), ledger)
        from .platform.knowledge.retrieval.sqlite_store import SqliteChunkStore

        store = SqliteChunkStore(folder / f"index-{NAMESPACE}.sqlite3", memory_index=settings.memory_index)
        return cls(KnowledgeService.over(store, runtime, settings), ledger)

    def search(self, text: str, *, clearance: str, limit: int) -> list[Passage]:
        hits = self.knowledge.search(text, clearance, top_k=limit)
        passages = []
        with self.ledger.reading() as conn:
            for hit in hits:
                version = self.ledger.source_version(conn, hit.document.id)
                chunk = hit.chunk
                if version is None or version.text[chunk.start : chunk.end] != chunk.text:
                    continue  # indexed from another text than the ledger holds: not citable
                passages.append(
                    Passage(hit.document.id, version.version, version.title, chunk.start, chunk.end, chunk.text)
                )
        return passages

    def current(self, source_id: str) -> SourceVersion | None:
        with self.ledger.reading() as conn:
            return self.ledger.source_version(conn, source_id)

    def index(self, parsed: ParsedDocument, metadata: DocumentMetadata, *, document_id: str, source: str) -> None:
        self.knowledge.ingestor.ingest_parsed(
            parsed, metadata, document_id=document_id, origin="copilot", source=source
        )

    def close(self) -> None:
        self.knowledge.close()
