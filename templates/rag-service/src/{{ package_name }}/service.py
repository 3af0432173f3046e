"""The retrieval service: answer questions with citations from the platform knowledge service, under every control.

One object per process, shared by the API, the CLI, the demo and the evals, so they
cannot drift apart. Ingestion, the index and governed retrieval are the platform's
`KnowledgeService`; this module adds the answer: evidence screening, the model call
through `runtime.complete` (guards, budget, gateway, audit, telemetry), the citation
check and the answer cache. Steps without a model (ingest, delete, refusals) are
audited with `runtime.record`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from pathlib import Path

from .answer_cache import AnswerCache
from .answering import (
    CitationCheck,
    Evidence,
    SafeText,
    check_citations,
    context_scan,
    prepare_evidence,
    sources_context,
)
from .config import RagSettings, get_rag_settings
from .platform.assets import load_prompt
from .platform.auth import Caller
from .platform.errors import Refused
from .platform.gateway.evidence_prompt import DONT_KNOW
from .platform.guardrails import PipelineResult
from .platform.knowledge import IngestDenied, KnowledgeService
from .platform.knowledge.ingest.metadata import DocumentMetadata
from .platform.knowledge.ingest.pipeline import IngestReport, Outcome, Progress
from .platform.knowledge.retrieval.backends import open_store
from .platform.knowledge.retrieval.models import DocumentRecord
from .platform.knowledge.retrieval.retriever import RetrievalLeak, RetrievedChunk
from .platform.knowledge.retrieval.store import ChunkStore
from .platform.runtime import Review, Runtime

FEATURE = "answer"
PROMPT_NAME = "answer"
QUOTE_CHARS = 400
SANITISED_CHUNKS_CACHED = 4096


__all__ = ["Answer", "Citation", "IngestDenied", "RagService"]


@dataclass(frozen=True)
class Citation:
    """Where a statement comes from: chunk, document and character span in its extracted text."""

    tag: str
    chunk_id: str
    document_id: str
    title: str
    source: str
    heading: str
    start: int
    end: int
    classification: str
    updated_date: date
    stale: bool
    quote: str


@dataclass(frozen=True)
class Answer:
    text: str
    refused: bool
    citations: list[Citation]
    retrieved: list[RetrievedChunk]
    prompt_version: str
    reason: str | None = None
    cached: bool = False
    cost_usd: float = 0.0
    audit_seq: int | None = None
    notes: list[str] = field(default_factory=list)


class RagService:
    def __init__(
        self,
        runtime: Runtime,
        store: ChunkStore,
        config: RagSettings | None = None,
        *,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.runtime = runtime
        self.config = config or get_rag_settings()
        self.knowledge = KnowledgeService.over(store, runtime, self.config, today=today)
        self.store, self.retriever = store, self.knowledge.retriever
        self.prompt = load_prompt(runtime.settings, PROMPT_NAME)
        self.cache: AnswerCache[Answer] = AnswerCache(self.config.answer_cache_size)
        # Scanning is a pure function of the text, and popular chunks come back query after query.
        self.sanitise = lru_cache(maxsize=SANITISED_CHUNKS_CACHED)(self._sanitise)

    @classmethod
    def from_runtime(
        cls, runtime: Runtime, config: RagSettings | None = None, *, namespace: str = "main"
    ) -> RagService:
        config = config or get_rag_settings()
        return cls(runtime, open_store(runtime.settings, config, namespace=namespace), config)

    def close(self) -> None:
        self.store.close()

    # -- answering -------------------------------------------------------------------------

    def ask(self, question: str, caller: Caller, *, top_k: int | None = None) -> Answer:
        """Answer from the chunks `caller` may see, citing them; "I don't know" without evidence."""
        actor = caller.client_id
        screened = self.runtime.guard_input(" ".join(question.split()), actor=actor, feature=FEATURE)
        question = screened.text
        key = AnswerCache.key(question, caller.clearance, self.store.index_version(), top_k, self.prompt.ref)
        if (hit := self.cache.get(key)) is not None:
            seq = self.runtime.record(actor=actor, action="rag.query", decision="answered:cache", details={})
            return replace(hit, cached=True, cost_usd=0.0, audit_seq=seq)
        try:
            with self.runtime.telemetry.span("rag.retrieve", backend=self.config.retrieval_backend):
                retrieved = self.knowledge.search(question, caller.clearance, top_k=top_k)
        except RetrievalLeak as leak:
            self.runtime.record(actor=actor, action="rag.query", decision=f"refused:{leak.control}", details={})
            raise Refused(leak.control, str(leak)) from leak
        assessment = self.knowledge.assess(question, retrieved, caller.clearance) if retrieved else None
        if assessment is not None and not assessment.supported:
            details = {
                "retrieved": [item.chunk.id for item in retrieved],
                "support": round(assessment.support or 0.0, 3),
                "unknown_words": round(assessment.unknown_share, 3),
            }
            seq = self.runtime.record(actor=actor, action="rag.query", decision="no-support", details=details)
            reason = f"{assessment.reason} < {self.knowledge.min_support}"
            answer = Answer(DONT_KNOW, True, [], retrieved, self.prompt.ref, reason=reason, audit_seq=seq)
            self.cache.put(key, answer)
            return answer
        evidence = self._admitted(prepare_evidence(retrieved, self.sanitise), actor)
        answer = self._answer(screened, evidence, retrieved, actor)
        self.cache.put(key, answer)
        return answer

    def _answer(
        self, screened: PipelineResult, evidence: list[Evidence], retrieved: list[RetrievedChunk], actor: str
    ) -> Answer:
        """`screened` is the input guards' verdict on the question; the runtime does not scan it a second time."""
        base = Answer(text=DONT_KNOW, refused=True, citations=[], retrieved=retrieved, prompt_version=self.prompt.ref)
        details = {"retrieved": [item.chunk.id for item in retrieved], "prompt": self.prompt.ref}
        if not evidence:
            seq = self.runtime.record(actor=actor, action="rag.query", decision="no-evidence", details=details)
            return replace(base, reason="no retrieved source", audit_seq=seq)
        by_tag = {item.tag: item for item in evidence}

        def review(text: str) -> Review:
            """The citation guard, recorded in the model call's own audit record; the check rides along."""
            check = check_citations(text, list(by_tag))
            if check.problem is not None:
                return Review("withheld:citations", {"reason": check.problem}, check)
            cited = [by_tag[tag].retrieved.chunk.id for tag in check.cited]
            return Review("refused:no-support" if check.says_unknown else "answered", {"cited": cited}, check)

        governed = self.runtime.complete(
            feature=FEATURE,
            actor=actor,
            system=self.prompt.text,
            context=sources_context(evidence),  # already screened chunk by chunk in _sanitise
            user=f"Question: {screened.text}",
            screened=screened,
            prompt_version=self.prompt.ref,
            audit_details=details,
            review=review,
        )
        notes = [
            *governed.notes,
            *(f"{item.tag}: instructions removed from source" for item in evidence if item.neutralised),
        ]
        base = replace(base, cost_usd=governed.cost_usd, notes=notes, audit_seq=governed.audit_seq)
        check: CitationCheck = governed.review.check  # the citation check of `governed.text`
        if check.problem is not None:
            return replace(base, reason=f"citations: {check.problem}; answer withheld")
        citations = [_citation(by_tag[tag]) for tag in check.cited]
        reason = "no retrieved source supports an answer" if check.says_unknown else None
        return replace(base, text=governed.text, refused=check.says_unknown, citations=citations, reason=reason)

    def _sanitise(self, text: str) -> SafeText:
        """Context scanner first (cuts instructions), then the same input guards a question passes."""
        scanned = context_scan(text)
        verdict = self.runtime.document_guards.run(scanned.text)
        return SafeText(verdict.text, scanned.neutralised, ", ".join(verdict.blocked_by) or None)

    def _admitted(self, evidence: list[Evidence], actor: str) -> list[Evidence]:
        """A chunk a guard blocks is left out (and audited) rather than refusing the whole question."""
        for item in evidence:
            if item.blocked_by:
                details = {"chunk": item.retrieved.chunk.id, "guards": item.blocked_by}
                self.runtime.record(actor=actor, action="rag.evidence", decision="dropped", details=details)
        return [item for item in evidence if not item.blocked_by]

    # -- documents -------------------------------------------------------------------------

    def ingest_folder(
        self,
        folder: Path,
        *,
        prune: bool = True,
        force: bool = False,
        actor: str = "cli",
        progress: Progress | None = None,
    ) -> IngestReport:
        report = self.knowledge.ingest_folder(folder, prune=prune, force=force, progress=progress)
        self.runtime.record(
            actor=actor,
            action="rag.ingest",
            decision="failed-some" if report.failed else "ok",
            details={"folder": str(folder), "summary": report.summary(), "failed": sorted(report.failed)},
        )
        return report

    def ingest_content(self, content: str, format: str, metadata: DocumentMetadata, caller: Caller) -> Outcome:
        """Ingest one document sent over the API; the caller must be cleared for its classification."""
        outcome = self.knowledge.ingest_document(content, format, metadata, caller)
        document = outcome.document or self.knowledge.get_document(outcome.document_id)
        classification = document.classification if document else self.config.default_classification
        self.runtime.record(
            actor=caller.client_id,
            action="rag.ingest",
            decision=outcome.status,
            details={
                "document": outcome.document_id,
                "classification": classification,
                "duplicate_of": outcome.duplicate_of,
            },
        )
        return outcome

    def delete(self, document_id: str, caller: Caller) -> bool:
        """Delete a document the caller may see; one it may not see is reported as absent."""
        deleted = self.knowledge.delete(document_id, caller)
        if deleted:
            self.runtime.record(
                actor=caller.client_id, action="rag.delete", decision="deleted", details={"document": document_id}
            )
        return deleted

    def documents(self, caller: Caller) -> list[DocumentRecord]:
        return self.knowledge.documents(caller)


def _citation(item: Evidence) -> Citation:
    chunk, document = item.retrieved.chunk, item.retrieved.document
    return Citation(
        tag=item.tag,
        chunk_id=chunk.id,
        document_id=document.id,
        title=document.title,
        source=document.source,
        heading=chunk.heading,
        start=chunk.start,
        end=chunk.end,
        classification=chunk.classification,
        updated_date=chunk.updated_date,
        stale=item.retrieved.stale,
        quote=" ".join(item.text.split())[:QUOTE_CHARS],
    )
