"""The knowledge service: ingest documents, index them, and search them under the caller's clearance.

One interface for every pattern (see docs/platform-contracts.md, "Knowledge"):

    knowledge = KnowledgeService.from_runtime(runtime, KnowledgeSettings())
    knowledge.ingest_folder(Path("corpus"))                        # incremental: unchanged files are skipped
    knowledge.ingest_document(content, "markdown", metadata, caller)  # API path, clearance-checked
    hits = knowledge.search("How long do refunds take?", caller.clearance, top_k=5)
    hits[0].document.id, hits[0].document.fingerprint, hits[0].chunk.start, hits[0].chunk.end, hits[0].score

Parsers, metadata and chunking live in `ingest/`; the index (SQLite FTS5 + an in-memory BM25 and vector
snapshot, or PostgreSQL full-text + pgvector) and governed retrieval (clearance, permitted use,
freshness, fused BM25 + vectors) in `retrieval/`.
"""

from .service import IngestDenied, KnowledgeService
from .settings import KnowledgeSettings

__all__ = ["IngestDenied", "KnowledgeService", "KnowledgeSettings"]
