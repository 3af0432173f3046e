"""The copilot: a brief in, a draft out whose every kept claim cites a span that supports it.

For each requirement of the brief the library is searched under the caller's clearance, the
best prose sentences go to the model through `runtime.complete` (guards, budget, audit), and
each sentence it writes is checked against the exact span it cites (`linking`, `support`).
Requirements left without a supported claim are gaps. Drafts, reviews and verifications go
to the append-only evidence ledger; every step is also an audit-log record.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .brief import parse_brief
from .claims import split_claims
from .config import CopilotSettings
from .drafting import evidence_sources, is_refusal, kept, select_candidates
from .evidence_policy import POLICY_FILE, EvidencePolicy, load_policy
from .ledger import EvidenceLedger
from .library import KnowledgeLibrary, Library, visible
from .linking import Candidate, link_claim
from .platform.assets import Prompt, load_prompt
from .platform.database import open_pattern_database
from .platform.errors import ParseError, Refused
from .platform.gateway.evidence_prompt import evidence_context, question_line
from .platform.guardrails.injection import scan_context
from .platform.knowledge.ingest.metadata import DocumentMetadata
from .platform.knowledge.ingest.parsers import ParsedDocument, parse_content, parse_file
from .platform.runtime import Runtime
from .records import (
    Brief,
    Claim,
    Conflict,
    Draft,
    DraftStatus,
    InvalidRequest,
    LedgerEvent,
    NotFound,
    Requirement,
    SourceVersion,
)
from .schemas import BriefCreate, ClaimReview, DraftCreate, SourceCreate
from .spans import verify
from .support import check_support

Clock = Callable[[], datetime]
DRAFT_MAX_TOKENS = 600


def utc_now() -> datetime:
    return datetime.now(UTC)


class CopilotService:
    def __init__(
        self,
        runtime: Runtime,
        ledger: EvidenceLedger,
        policy: EvidencePolicy,
        prompt: Prompt,
        *,
        library: Library | None = None,
        verify_prompt: Prompt | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.runtime, self.ledger, self.policy, self.prompt, self.clock = runtime, ledger, policy, prompt, clock
        self.library: Library = library or KnowledgeLibrary.open(runtime, ledger)
        self.verify_prompt = verify_prompt

    @classmethod
    def from_runtime(
        cls,
        runtime: Runtime,
        *,
        db_path: Path | None = None,
        database_url: str | None = None,
        copilot: CopilotSettings | None = None,
    ) -> CopilotService:
        """The service as configured: the ledger on `DATABASE_URL` (PostgreSQL) or `evidence.sqlite3` in the
        data directory. `db_path` forces a scratch SQLite ledger with its own library index beside it (evals,
        the demo), unless `database_url` is given too."""
        settings, copilot = runtime.settings, copilot or CopilotSettings()
        ledger = EvidenceLedger(
            open_pattern_database(
                settings,
                "evidence.sqlite3",
                postgres_schema=copilot.db_schema,
                db_path=db_path,
                database_url=database_url,
            )
        )
        library = KnowledgeLibrary.open(runtime, ledger, folder=db_path.parent if db_path else None)
        policy = load_policy(settings.path(POLICY_FILE))
        return cls(
            runtime,
            ledger,
            policy,
            load_prompt(settings, "draft"),
            library=library,
            verify_prompt=load_prompt(settings, "verify"),
        )

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    # --- library -------------------------------------------------------------------------------------
    def register_source(self, body: SourceCreate, *, actor: str) -> tuple[SourceVersion, bool]:
        """Register a document or a new version of it; the same text again is a no-op (`False`).

        The text is parsed by the knowledge service (Markdown, text or HTML); the ledger keeps the
        extracted text, which evidence offsets index, and the knowledge index is updated to match.
        """
        source_id = body.id or f"src-{hashlib.sha256(body.text.encode('utf-8')).hexdigest()[:12]}"
        try:
            parsed = parse_content(body.text, body.format, where=f"source {source_id}")
        except ParseError as error:
            raise InvalidRequest(str(error)) from error
        return self._register(
            parsed, source_id, body.title, body.classification, actor=actor, source=f"api:{source_id}"
        )

    def register_file(self, path: Path, *, classification: str, actor: str) -> tuple[SourceVersion, bool]:
        """Register a library file (PDF, DOCX, Markdown, HTML or text) under its file name."""
        try:
            parsed = parse_file(path, where=path.name)
        except ParseError as error:
            raise InvalidRequest(str(error)) from error
        digest = hashlib.sha256(path.name.encode()).hexdigest()[:12]
        source_id = re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-._")[:64] or f"doc-{digest}"
        title = parsed.title or path.stem
        return self._register(parsed, source_id, title, classification, actor=actor, source=str(path))

    def _register(
        self, parsed: ParsedDocument, source_id: str, title: str, classification: str, *, actor: str, source: str
    ) -> tuple[SourceVersion, bool]:
        digest = hashlib.sha256(parsed.text.encode("utf-8")).hexdigest()
        version = SourceVersion(source_id, digest, title, parsed.text, classification, actor, self._now())
        with self.ledger.transaction(f"source:{source_id}") as conn:
            current = self.ledger.source_version(conn, source_id)
            if current is not None and current.version == digest:
                return current, False
            if self.ledger.source_version(conn, source_id, digest) is not None:
                raise Conflict(
                    f"source {source_id!r} had this text before (version {digest[:12]}); a document cannot go back "
                    "to an older version under the same id: register it under a new id"
                )
            self.ledger.add_source_version(conn, version)
            metadata = DocumentMetadata(id=source_id, title=title[:300], classification=classification)
            self.library.index(parsed, metadata, document_id=source_id, source=source)
            details = {"source": source_id, "version": digest, "chars": len(parsed.text), "format": parsed.format}
            details["replaces"] = current.version if current else None
            decision = "new_version" if current else "registered"
            self.runtime.record(actor=actor, action="source.register", decision=decision, details=details)
        return version, True

    def sources(self, *, clearance: str = "restricted") -> list[SourceVersion]:
        return [s for s in self.ledger.current_sources() if visible(s.classification, clearance)]

    def source(self, source_id: str, version: str | None = None, *, clearance: str = "restricted") -> SourceVersion:
        with self.ledger.reading() as conn:
            source = self.ledger.source_version(conn, source_id, version)
        if source is None or not visible(source.classification, clearance):
            which = f" version {version!r}" if version else ""
            raise NotFound(f"no source with id {source_id!r}{which}")
        return source

    # --- briefs ----------------------------------------------------------------------------------------
    def create_brief(self, body: BriefCreate, *, actor: str) -> Brief:
        from .brief import _with_ids

        rows = [(r.id or "", " ".join(r.text.split()), r.section, r.owner) for r in body.requirements]
        return self._store_brief(body.title, _with_ids(rows, "requirements"), actor)

    def import_brief(self, content: bytes, media_type: str, *, title: str, actor: str) -> Brief:
        parsed = parse_brief(content, media_type, title=title)
        return self._store_brief(parsed.title, parsed.requirements, actor)

    def _store_brief(self, title: str, requirements: list[Requirement], actor: str) -> Brief:
        brief = Brief(f"brief_{secrets.token_hex(6)}", title, requirements, actor, self._now())
        with self.ledger.transaction() as conn:
            self.ledger.add_brief(conn, brief)
            details = {"brief": brief.id, "requirements": [r.id for r in requirements]}
            self.runtime.record(actor=actor, action="brief.create", decision="created", details=details)
        return brief

    def brief(self, brief_id: str) -> Brief:
        with self.ledger.reading() as conn:
            brief = self.ledger.brief(conn, brief_id)
        if brief is None:
            raise NotFound(f"no brief with id {brief_id!r}")
        return brief

    # --- drafting --------------------------------------------------------------------------------------
    def draft(self, body: DraftCreate, *, actor: str, clearance: str = "internal") -> Draft:
        """Draft every requirement of the brief, section by section, and store the result in one transaction."""
        brief = self.brief(body.brief_id)
        wanted = set(body.requirement_ids or [])
        unknown = sorted(wanted - {r.id for r in brief.requirements})
        if unknown:
            raise InvalidRequest(f"requirement_ids: not in brief {brief.id}: {unknown}")
        requirements = [r for r in brief.requirements if not wanted or r.id in wanted]
        started = time.perf_counter()
        claims: list[Claim] = []
        outputs: dict[str, str] = {}
        cited_versions: dict[tuple[str, str], SourceVersion] = {}
        cost, model = 0.0, "none"
        for requirement in requirements:
            section, output, used, spent, model_name = self._draft_section(requirement, actor, clearance)
            claims += section
            outputs[requirement.id] = output
            cited_versions |= used
            cost += spent
            model = model_name or model
        on_unsupported = body.on_unsupported or self.policy.on_unsupported
        draft = Draft(
            id=f"draft_{secrets.token_hex(6)}",
            brief_id=brief.id,
            title=body.title or brief.title,
            version=1,
            status="no_support",
            requirements=requirements,
            claims=claims,
            gaps=[],
            prompt_version=self.prompt.ref,
            model=model,
            policy_version=self.policy.version,
            min_evidence_per_claim=self.policy.min_evidence_per_claim,
            on_unsupported=on_unsupported,
            created_by=actor,
            created_at=self._now(),
            cost_usd=round(cost, 6),
            latency_s=round(time.perf_counter() - started, 4),
        )
        draft = _summarised(draft)
        supported = sum(claim.status == "supported" for claim in claims)
        details = {"draft": draft.id, "brief": brief.id, "claims": len(claims), "supported": supported}
        details |= {"gaps": draft.gaps, "policy_version": self.policy.version, "cost_usd": draft.cost_usd}
        with self.ledger.transaction(*{f"source:{source.id}" for source in cited_versions.values()}) as conn:
            for source in cited_versions.values():
                if self.ledger.source_version(conn, source.id, source.version) is None:
                    self.ledger.add_source_version(conn, source)
            self.ledger.add_draft(conn, draft, model_outputs=outputs)
            seq = self.runtime.record(actor=actor, action="draft.create", decision=draft.status, details=details)
            self.ledger.add_event(
                conn, LedgerEvent(0, draft.id, 1, "created", "", "draft", actor, draft.created_at, details, seq)
            )
        return draft

    def _draft_section(
        self, requirement: Requirement, actor: str, clearance: str
    ) -> tuple[list[Claim], str, dict[tuple[str, str], SourceVersion], float, str]:
        passages = self.library.search(
            requirement.text, clearance=clearance, limit=self.policy.passages_per_requirement
        )
        selected = select_candidates(
            passages,
            requirement.text,
            limit=self.policy.sentences_per_requirement,
            max_documents=self.policy.documents_per_requirement,
        )
        # A sentence that reads as an instruction to the model never reaches it (as rag screens its context).
        safe = [c for c in selected if scan_context(c.quote).action == "allow"]
        screened_out = len(selected) - len(safe)
        candidates = [replace(c, tag=f"S{n}") for n, c in enumerate(safe, start=1)]
        if not candidates:
            return [], "", {}, 0.0, ""
        versions = self._versions(candidates)
        try:
            text, cost, model = self._write(requirement, candidates, actor, screened_out)
        except Refused as refusal:
            if refusal.control != "guardrails.input":
                raise
            # The requirement itself reads as an instruction to the model: nothing is drafted for it.
            return [], f"refused by {refusal.control}: {refusal.reason}", versions, 0.0, ""
        texts = {key: source.text for key, source in versions.items()}
        claims = []
        drafted = [] if is_refusal(text) else split_claims(text)
        corroborators = self._corroborators(drafted, clearance) if self.policy.min_evidence_per_claim > 1 else []
        for drafted_claim in drafted:
            linked = link_claim(
                drafted_claim,
                candidates,
                texts | {k: s.text for k, s in self._versions(corroborators).items()},
                min_coverage=self.policy.min_claim_coverage,
                min_evidence=self.policy.min_evidence_per_claim,
                corroborators=corroborators,
            )
            reasons = list(linked.reasons)
            status = linked.status
            if status == "supported" and self.policy.model_check:
                status, reasons = self._model_check(drafted_claim.text, linked.evidence, actor)
            claims.append(
                Claim(
                    id=f"{requirement.id}.{len(claims) + 1}",
                    requirement_id=requirement.id,
                    position=len(claims),
                    text=drafted_claim.text,
                    cited_sources=linked.cited_sources,
                    status=status,
                    reasons=reasons,
                    evidence=linked.evidence,
                )
            )
        for claim in claims:
            for ev in claim.evidence:
                key = (ev.source_id, ev.version)
                if key not in versions:
                    versions |= self._versions(
                        [Candidate("", ev.source_id, ev.version, "", ev.start, ev.end, ev.quote)]
                    )
        return claims, text, versions, cost, model

    def _write(
        self, requirement: Requirement, candidates: list[Candidate], actor: str, screened_out: int
    ) -> tuple[str, float, str]:
        """The model's draft of one section through the governed runtime: text, cost, model name."""
        answer = self.runtime.complete(
            feature="draft",
            actor=actor,
            system=self.prompt.text,
            # the input guards judge the requirement; the spans already passed scan_context in _draft_section
            user=question_line(requirement.text),
            context=evidence_context(evidence_sources(candidates)),
            prompt_version=self.prompt.ref,
            max_tokens=DRAFT_MAX_TOKENS,
            audit_details={"requirement": requirement.id, "sentences": len(candidates), "screened_out": screened_out},
        )
        return answer.text, answer.cost_usd, answer.completion.model

    def _corroborators(self, drafted: list[Any], clearance: str) -> list[Candidate]:
        """Spans from anywhere in the library the caller may see that could corroborate the claims."""
        found: list[Candidate] = []
        for claim in drafted:
            passages = self.library.search(claim.text, clearance=clearance, limit=5)
            found += select_candidates(passages, claim.text, limit=5, distinct_text=False)
        return found

    def _versions(self, candidates: list[Candidate]) -> dict[tuple[str, str], SourceVersion]:
        versions: dict[tuple[str, str], SourceVersion] = {}
        with self.ledger.reading() as conn:
            for candidate in candidates:
                key = (candidate.source_id, candidate.version)
                if key in versions:
                    continue
                source = self.ledger.source_version(conn, *key)
                if source is None:  # a library outside the ledger: keep a copy of the version cited
                    current = self.library.current(candidate.source_id)
                    if current is None or current.version != candidate.version:
                        continue
                    source = current
                versions[key] = source
        return versions

    def _model_check(self, claim: str, evidence: list[Any], actor: str) -> tuple[Any, list[str]]:
        """Optional second opinion through the gateway on a claim the deterministic checks kept."""
        if self.verify_prompt is None:
            return "supported", []
        cited = next((ev for ev in evidence if ev.cited), evidence[0])
        answer = self.runtime.complete(
            feature="verify",
            actor=actor,
            system=self.verify_prompt.text,
            user=f"Source: {' '.join(cited.quote.split())}\nClaim: {claim}",
            prompt_version=self.verify_prompt.ref,
            max_tokens=5,
        )
        verdict = answer.text.strip().upper()
        if verdict.startswith("SUPPORTED"):
            return "supported", []
        return "unsupported", [f"model check: {answer.completion.model} answered {answer.text.strip()[:40]!r}"]

    # --- reading, review, verification ----------------------------------------------------------------
    def get_draft(self, draft_id: str, *, version: int | None = None) -> Draft:
        """The draft with review events up to `version` applied and every span re-checked now:
        a span that no longer matches its stored text is unverified; a newer source version makes it stale."""
        found = self.ledger.draft_rows(draft_id)
        if found is None:
            raise NotFound(f"no draft with id {draft_id!r}")
        row, claims = found
        with self.ledger.reading() as conn:
            brief = self.ledger.brief(conn, row["brief_id"])
            events = self.ledger.events(draft_id, conn)
            keys = {(ev.source_id, ev.version) for claim in claims for ev in claim.evidence}
            texts = {}
            for source_id, source_version in keys:
                stored = self.ledger.source_version(conn, source_id, source_version)
                texts[(source_id, source_version)] = stored.text if stored else ""
        current = {}
        for source_id in {key[0] for key in keys}:
            newest = self.library.current(source_id)
            current[source_id] = newest.version if newest else ""
        reviews = [e for e in events if e.kind == "review"]
        latest = 1 + len(reviews)
        if version is not None and not 1 <= version <= latest:
            raise NotFound(f"draft {draft_id} has versions 1 to {latest}; no version {version}")
        claims = [_rechecked(claim, texts, current) for claim in claims]
        claims = _reviewed(claims, reviews[: (version or latest) - 1])
        requirement_ids = list(dict.fromkeys(row.pop("model_outputs")))
        requirements = [r for r in (brief.requirements if brief else []) if r.id in requirement_ids]
        draft = Draft(
            **row, version=version or latest, status="no_support", requirements=requirements, claims=claims, gaps=[]
        )
        return _summarised(draft)

    def review_claim(self, draft_id: str, claim_id: str, body: ClaimReview, *, actor: str) -> Draft:
        """Accept, edit or reject one claim; appended to the ledger and the audit log (who, what, when)."""
        draft = self.get_draft(draft_id)
        claim = next((c for c in draft.claims if c.id == claim_id), None)
        if claim is None:
            raise NotFound(f"draft {draft_id} has no claim {claim_id!r}")
        details: dict[str, Any] = {"before": claim.text, "status": claim.status}
        if body.action == "accept" and claim.status != "supported":
            raise Conflict(
                f"claim {claim_id} is {claim.status}: {'; '.join(claim.reasons) or 'its source changed'}; "
                "edit it to say what the source says, or reject it"
            )
        if body.action == "edit":
            text = " ".join((body.text or "").split())
            if not text:
                raise InvalidRequest("text: an edit needs the new claim text")
            cited = [ev for ev in claim.evidence if ev.cited] or claim.evidence
            verdicts = [check_support(text, ev.quote, min_coverage=self.policy.min_claim_coverage) for ev in cited]
            supported = bool(verdicts) and any(v.supported for v in verdicts)
            reasons = (
                [] if supported else [r for v in verdicts for r in v.reasons] or ["no evidence span to check against"]
            )
            details |= {"after": text, "supported": supported, "reasons": reasons}
        now = self._now()
        with self.ledger.transaction(f"draft:{draft_id}") as conn:
            versions = 1 + sum(e.kind == "review" for e in self.ledger.events(draft_id, conn))
            if versions != draft.version:
                raise Conflict(f"draft {draft_id} changed while you reviewed it (now version {versions}); reload it")
            seq = self.runtime.record(
                actor=actor,
                action="draft.review",
                decision=body.action,
                details={"draft": draft_id, "claim": claim_id, "version": draft.version + 1},
            )
            self.ledger.add_event(
                conn,
                LedgerEvent(0, draft_id, draft.version + 1, "review", claim_id, body.action, actor, now, details, seq),
            )
        return self.get_draft(draft_id)

    def verify_draft(self, draft_id: str, *, actor: str) -> Draft:
        """Re-check every span now and append the results (stale and unverified claims) to the ledger."""
        draft = self.get_draft(draft_id)
        results = {claim.id: claim.status for claim in draft.claims}
        stale = [claim.id for claim in draft.claims if claim.status == "stale"]
        details = {"statuses": results, "stale": stale}
        with self.ledger.transaction() as conn:
            seq = self.runtime.record(
                actor=actor,
                action="draft.verify",
                decision="stale" if stale else "ok",
                details={"draft": draft_id, "stale": stale},
            )
            self.ledger.add_event(
                conn,
                LedgerEvent(0, draft_id, draft.version, "verification", "", "verify", actor, self._now(), details, seq),
            )
        return draft

    def ledger_events(self, draft_id: str) -> list[LedgerEvent]:
        self.get_draft(draft_id)
        return self.ledger.events(draft_id)

    def export(
        self, draft_id: str, fmt: str, *, actor: str, version: int | None = None
    ) -> str | bytes | dict[str, Any]:
        """The draft as Markdown, HTML, DOCX bytes or JSON; audited and written to the ledger."""
        from .export import to_docx, to_html, to_json, to_markdown

        draft = self.get_draft(draft_id, version=version)
        with self.ledger.reading() as conn:
            sources = {}
            for ev in (ev for claim in draft.claims for ev in claim.evidence):
                if ev.source_id not in sources:
                    stored = self.ledger.source_version(conn, ev.source_id, ev.version)
                    if stored is not None:
                        sources[ev.source_id] = stored
        writers = {"md": to_markdown, "html": to_html, "docx": to_docx}
        exported = to_json(draft) if fmt == "json" else writers[fmt](draft, sources)
        self.record_export(draft, fmt, actor=actor)
        return exported

    def record_export(self, draft: Draft, fmt: str, *, actor: str) -> None:
        """Exports leave the system, so each is audited and written to the ledger."""
        details = {"draft": draft.id, "version": draft.version, "status": draft.status, "format": fmt}
        with self.ledger.transaction() as conn:
            seq = self.runtime.record(actor=actor, action="draft.export", decision=fmt, details=details)
            self.ledger.add_event(
                conn, LedgerEvent(0, draft.id, draft.version, "export", "", fmt, actor, self._now(), details, seq)
            )

    def close(self) -> None:
        self.library.close()
        self.ledger.close()


def _rechecked(claim: Claim, texts: dict[tuple[str, str], str], current: dict[str, str]) -> Claim:
    evidence = [
        replace(
            ev,
            verified=verify(texts.get((ev.source_id, ev.version), ""), ev.start, ev.end, ev.quote),
            current=current.get(ev.source_id) == ev.version,
        )
        for ev in claim.evidence
    ]
    status, reasons = claim.status, list(claim.reasons)
    if status == "supported":
        if not all(ev.verified for ev in evidence):
            status = "unsupported"
            reasons.append("a cited span no longer matches the stored source text")
        elif not all(ev.current for ev in evidence if ev.cited):
            status = "stale"
            changed = sorted({ev.source_id for ev in evidence if not ev.current})
            reasons.append(f"source changed since drafting: {', '.join(changed)} has a newer version")
    return replace(claim, evidence=evidence, status=status, reasons=reasons)


def _reviewed(claims: list[Claim], reviews: list[LedgerEvent]) -> list[Claim]:
    by_id = {claim.id: claim for claim in claims}
    for event in reviews:
        claim = by_id.get(event.claim_id)
        if claim is None:
            continue
        if event.action == "edit":
            status = claim.status if event.details.get("supported") else "unsupported"
            if claim.status == "stale" and event.details.get("supported"):
                status = "stale"
            claim = replace(
                claim,
                text=event.details["after"],
                drafted_text=claim.drafted_text or claim.text,
                status=status,
                reasons=list(event.details.get("reasons", [])) or ([] if status == "supported" else claim.reasons),
                review="edited",
            )
        else:
            claim = replace(claim, review="accepted" if event.action == "accept" else "rejected")
        by_id[claim.id] = replace(claim, reviewed_by=event.actor, reviewed_at=event.at)
    return [by_id[claim.id] for claim in claims]


def _summarised(draft: Draft) -> Draft:
    """Gaps (requirements with no kept supported claim) and the draft's status."""
    supported_for = {
        claim.requirement_id for claim in draft.claims if claim.status == "supported" and claim.review != "rejected"
    }
    gaps = [r.id for r in draft.requirements if r.id not in supported_for]
    kept_claims = [c for c in draft.claims if kept(c, draft.on_unsupported)]
    status: DraftStatus
    if not supported_for:
        status = "no_support"
    elif gaps or any(c.status != "supported" for c in kept_claims):
        status = "partial"
    else:
        status = "supported"
    return replace(draft, gaps=gaps, status=status)
