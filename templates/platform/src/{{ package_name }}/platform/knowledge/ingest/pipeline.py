"""Ingest: parse, chunk, de-duplicate and (re)index documents, incrementally.

Re-running an ingest over a folder only touches what changed: a document whose text,
metadata and chunking settings hash the same is skipped, a changed one is replaced in
one transaction, one whose file disappeared is deleted. A file that cannot be read is
reported by name and skipped (its previous version, if any, stays), and the rest of the
batch still lands.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from ..retrieval.models import ChunkRecord, DocumentRecord
from ..retrieval.retriever import embedding_text
from ..retrieval.store import ChunkStore
from ..settings import KnowledgeSettings
from .chunking import chunk_sections
from .metadata import DocumentMetadata, MetadataError, document_id_for, read_sidecar, sidecar_path
from .parsers import FORMATS, ParsedDocument, ParseError, parse_file

Embedder = Callable[[Sequence[str]], list[list[float]]]
Progress = Callable[[int, int], None]  # (files done, files in the folder)
EMBED_BATCH = 64


@dataclass
class IngestReport:
    """What one ingest run did, per document id (or file name for failures)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    duplicates: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)
    chunks: int = 0
    files: int = 0  # supported files read (parsed or failed)
    seconds: float = 0.0

    @property
    def files_per_s(self) -> float:
        return self.files / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        counts = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.deleted)} deleted, {len(self.duplicates)} duplicate, {len(self.failed)} failed"
        )
        return f"{counts}; {self.chunks} chunks written"


@dataclass(frozen=True)
class Outcome:
    """What happened to one document: added | updated | unchanged | duplicate (of `duplicate_of`)."""

    status: str
    document_id: str
    document: DocumentRecord | None = None
    duplicate_of: str | None = None


class Ingestor:
    """Turns parsed documents into index records under the defaults in `KnowledgeSettings`."""

    def __init__(
        self,
        store: ChunkStore,
        config: KnowledgeSettings,
        *,
        embed: Embedder | None = None,
        embedding_model: str = "",
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.config = config
        self.embed = embed
        self.embedding_model = embedding_model if embed else ""
        self.today = today

    def ingest_folder(
        self, folder: Path, *, prune: bool = True, force: bool = False, progress: Progress | None = None
    ) -> IngestReport:
        """Ingest every supported file under `folder`; `prune` deletes documents whose file is gone.

        `progress(done, total)` is called after each supported file (a CLI shows a bar with it).
        """
        if not folder.is_dir():
            raise FileNotFoundError(f"corpus folder not found: {folder}")
        started = time.perf_counter()
        report = IngestReport()
        origin = f"folder:{folder.resolve().as_posix()}"
        seen: dict[str, str] = {}
        paths = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder)
            name = relative.as_posix()
            if any(part.startswith((".", "_")) for part in relative.parts) or name.endswith(".meta.yml"):
                continue
            if path.suffix.lower() not in FORMATS:
                if path.suffix:  # LICENSE, README without a suffix: not documents, not worth a line
                    report.ignored.append(name)
                continue
            paths.append(path)
        for path in paths:
            report.files += 1
            if progress is not None:
                progress(report.files - 1, len(paths))
            relative = path.relative_to(folder)
            name = relative.as_posix()
            try:
                parsed = parse_file(path, where=name)
                metadata = parsed.metadata.merged(read_sidecar(path))
            except (ParseError, MetadataError) as error:
                seen.setdefault(document_id_for(relative), name)  # keep the last good version indexed
                report.failed[name] = str(error)
                continue
            document_id = metadata.id or document_id_for(relative)
            if document_id in seen:
                report.failed[name] = f"{name}: document id {document_id!r} is already used by {seen[document_id]}"
                continue
            seen[document_id] = name
            updated = date.fromtimestamp(max(path.stat().st_mtime, _mtime(sidecar_path(path))))
            outcome = self.ingest_parsed(
                parsed,
                metadata,
                document_id=document_id,
                origin=origin,
                source=name,
                updated_fallback=updated,
                force=force,
            )
            _record(report, document_id, outcome)
        if progress is not None:
            progress(len(paths), len(paths))
        if prune:
            for document in self.store.list_documents(origin=origin):
                if document.id not in seen and self.store.delete_document(document.id):
                    report.deleted.append(document.id)
        report.seconds = time.perf_counter() - started
        return report

    def ingest_parsed(
        self,
        parsed: ParsedDocument,
        metadata: DocumentMetadata,
        *,
        document_id: str,
        origin: str,
        source: str,
        updated_fallback: date | None = None,
        force: bool = False,
    ) -> Outcome:
        """Index one parsed document unless an identical one is already there."""
        content_hash = hashlib.sha256(" ".join(parsed.text.split()).encode()).hexdigest()
        twin = self.store.find_by_content_hash(content_hash)
        if twin is not None and twin.id != document_id:
            return Outcome("duplicate", document_id, duplicate_of=twin.id)
        document = self._document(parsed, metadata, document_id, origin, source, content_hash, updated_fallback)
        existing = self.store.get_document(document_id)
        if existing is not None and existing.fingerprint == document.fingerprint and not force:
            return Outcome("unchanged", document_id, existing)
        chunks = self._chunks(parsed, document)
        document = DocumentRecord(**{**document.__dict__, "chunk_count": len(chunks)})
        self.store.replace_document(document, chunks)
        return Outcome("updated" if existing is not None else "added", document_id, document)

    def _document(
        self,
        parsed: ParsedDocument,
        metadata: DocumentMetadata,
        document_id: str,
        origin: str,
        source: str,
        content_hash: str,
        updated_fallback: date | None,
    ) -> DocumentRecord:
        config = self.config
        resolved = {
            "title": metadata.title or parsed.title or document_id,
            "source": metadata.source or source,
            "owner": metadata.owner or config.default_owner,
            "classification": metadata.classification or config.default_classification,
            "effective_date": metadata.effective_date,
            "updated_date": metadata.updated_date or metadata.effective_date or updated_fallback or self.today(),
            "permissible_use": tuple(metadata.permissible_use or config.default_permissible_use),
        }
        settings = {
            "chunk_chars": config.chunk_chars,
            "chunk_overlap_chars": config.chunk_overlap_chars,
            "embedding_model": self.embedding_model,
        }
        fingerprint = hashlib.sha256(
            json.dumps([parsed.text, resolved, settings, document_id], default=str, sort_keys=True).encode()
        ).hexdigest()
        return DocumentRecord(
            id=document_id,
            format=parsed.format,
            origin=origin,
            content_hash=content_hash,
            fingerprint=fingerprint,
            chunk_count=0,
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            **resolved,
        )

    def _chunks(self, parsed: ParsedDocument, document: DocumentRecord) -> list[ChunkRecord]:
        pieces = chunk_sections(
            parsed.sections, max_chars=self.config.chunk_chars, overlap_chars=self.config.chunk_overlap_chars
        )
        vectors: list[list[float] | None] = [None] * len(pieces)
        if self.embed is not None:
            texts = [embedding_text(piece.heading, piece.text) for piece in pieces]
            vectors = []
            for start in range(0, len(texts), EMBED_BATCH):
                vectors.extend(self.embed(texts[start : start + EMBED_BATCH]))
        return [
            ChunkRecord(
                id=f"{document.id}:{piece.ordinal}",
                document_id=document.id,
                ordinal=piece.ordinal,
                heading=piece.heading,
                text=piece.text,
                start=piece.start,
                end=piece.end,
                classification=document.classification,
                updated_date=document.updated_date,
                permissible_use=document.permissible_use,
                embedding=tuple(vector) if vector is not None else None,
            )
            for piece, vector in zip(pieces, vectors, strict=True)
        ]


def _record(report: IngestReport, document_id: str, outcome: Outcome) -> None:
    if outcome.status == "duplicate":
        report.duplicates[document_id] = outcome.duplicate_of or ""
        return
    getattr(report, outcome.status).append(document_id)
    if outcome.status in ("added", "updated") and outcome.document is not None:
        report.chunks += outcome.document.chunk_count


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0
