"""The copilot: register sources, draft with the model, keep only claims the sources support.

The model drafts through `runtime.complete` (guards, budget, audit); everything after
that is deterministic: claims are split, linked to spans, verified against the stored
source text and counted against `min_evidence_per_claim` from `rules/evidence.yml`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from .claims import split_claims
from .drafting import build_user_message, compose_text, draft_status, is_refusal
from .evidence_policy import POLICY_FILE, EvidencePolicy, load_policy
from .export import to_json, to_markdown
from .ledger import EvidenceLedger
from .linking import TaggedSource, link_evidence
from .platform.assets import Prompt, load_prompt
from .platform.runtime import Runtime
from .records import Claim, ClaimStatus, Draft, Evidence, InvalidRequest, NotFound, Source, SourceConflict
from .schemas import DraftCreate, SourceCreate
from .spans import verify

Clock = Callable[[], datetime]


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
        clock: Clock = utc_now,
    ) -> None:
        self.runtime, self.ledger, self.policy, self.prompt, self.clock = runtime, ledger, policy, prompt, clock

    @classmethod
    def from_runtime(cls, runtime: Runtime, *, db_path: Path | None = None) -> CopilotService:
        settings = runtime.settings
        ledger = EvidenceLedger(db_path or settings.path(settings.data_dir) / "evidence.sqlite3")
        return cls(runtime, ledger, load_policy(settings.path(POLICY_FILE)), load_prompt(settings, "draft"))

    def _now(self) -> str:
        return self.clock().isoformat(timespec="seconds")

    def register_source(self, body: SourceCreate, *, actor: str) -> tuple[Source, bool]:
        """Register a source; the same id and text again is a no-op (`False`), other text is a conflict."""
        digest = hashlib.sha256(body.text.encode("utf-8")).hexdigest()
        source = Source(body.id or f"src-{digest[:12]}", body.title, body.text, digest, actor, self._now())
        with self.ledger.transaction() as conn:
            existing = self.ledger.source(conn, source.id)
            if existing is not None:
                if existing.sha256 != digest:
                    raise SourceConflict(
                        f"source {source.id!r} is registered with different text; sources are immutable because "
                        f"evidence spans point into them, so register the new text under a new id (e.g. {source.id}-v2)"
                    )
                return existing, False
            self.ledger.add_source(conn, source)
            details = {"source": source.id, "sha256": digest, "chars": len(body.text)}
            self.runtime.record(actor=actor, action="source.register", decision="registered", details=details)
        return source, True

    def sources(self) -> list[Source]:
        return self.ledger.sources()

    def source(self, source_id: str) -> Source:
        with self.ledger.reading() as conn:
            source = self.ledger.source(conn, source_id)
        if source is None:
            raise NotFound(f"no source with id {source_id!r}")
        return source

    def draft(self, body: DraftCreate, *, actor: str) -> Draft:
        """Draft with the model, link every claim to verified spans, store the result in one transaction."""
        tagged = [TaggedSource(f"S{n}", source) for n, source in enumerate(self._select(body.source_ids), start=1)]
        answer = self.runtime.complete(
            feature="draft",
            actor=actor,
            system=self.prompt.text,
            user=build_user_message(tagged, body.instruction),
            prompt_version=self.prompt.ref,
            max_tokens=800,
        )
        ids_by_tag = {item.tag: item.source.id for item in tagged}
        claims = []
        for position, drafted in enumerate([] if is_refusal(answer.text) else split_claims(answer.text)):
            evidence = link_evidence(drafted, tagged, self.policy)
            cited = [ids_by_tag.get(tag, f"unknown:{tag}") for tag in drafted.tags]
            claims.append(Claim(position, drafted.text, cited, self._status(evidence), evidence))
        on_unsupported = body.on_unsupported or self.policy.on_unsupported
        draft = Draft(
            id=f"draft_{secrets.token_hex(6)}",
            instruction=body.instruction,
            status=draft_status(claims),
            text=compose_text(claims, on_unsupported),
            model_output=answer.text,
            source_ids=[item.source.id for item in tagged],
            claims=claims,
            prompt_version=self.prompt.ref,
            model=answer.completion.model,
            policy_version=self.policy.version,
            min_evidence_per_claim=self.policy.min_evidence_per_claim,
            on_unsupported=on_unsupported,
            created_by=actor,
            created_at=self._now(),
        )
        supported = sum(claim.status == "supported" for claim in claims)
        details = {"draft": draft.id, "claims": len(claims), "supported": supported, "sources": draft.source_ids}
        details |= {"policy_version": self.policy.version, "model_audit_seq": answer.audit_seq}
        with self.ledger.transaction() as conn:
            self.ledger.add_draft(conn, draft)
            self.runtime.record(actor=actor, action="draft.create", decision=draft.status, details=details)
        return draft

    def get_draft(self, draft_id: str) -> Draft:
        """The stored draft with every span re-verified against the source text as stored now."""
        draft = self.ledger.draft(draft_id)
        if draft is None:
            raise NotFound(f"no draft with id {draft_id!r}")
        texts = {source.id: source.text for source in self.ledger.sources(draft.source_ids)}
        claims = []
        for claim in draft.claims:
            evidence = [
                replace(ev, verified=verify(texts.get(ev.source_id, ""), ev.start, ev.end, ev.quote))
                for ev in claim.evidence
            ]
            claims.append(replace(claim, evidence=evidence, status=self._status(evidence)))
        return replace(
            draft, claims=claims, status=draft_status(claims), text=compose_text(claims, draft.on_unsupported)
        )

    def export(self, draft_id: str, fmt: Literal["md", "json"], *, actor: str) -> str | dict[str, Any]:
        """Markdown with footnotes or JSON; exports are audited because they leave the system."""
        draft = self.get_draft(draft_id)
        sources = {source.id: source for source in self.ledger.sources(draft.source_ids)}
        details = {"draft": draft_id, "status": draft.status}
        self.runtime.record(actor=actor, action="draft.export", decision=fmt, details=details)
        return to_markdown(draft, sources) if fmt == "md" else to_json(draft)

    def _status(self, evidence: list[Evidence]) -> ClaimStatus:
        verified = sum(ev.verified for ev in evidence)
        return "supported" if verified >= self.policy.min_evidence_per_claim else "unsupported"

    def _select(self, source_ids: list[str] | None) -> list[Source]:
        registered = self.ledger.sources()
        if not registered:
            raise InvalidRequest("no sources registered yet; POST /sources first")
        if source_ids is not None:
            known = {source.id for source in registered}
            unknown = sorted(set(source_ids) - known)
            if unknown:
                raise InvalidRequest(f"source_ids: unknown source id(s) {unknown}")
            chosen = set(source_ids)
            registered = [source for source in registered if source.id in chosen]
        limit = self.policy.max_sources_per_draft
        if len(registered) > limit:
            raise InvalidRequest(f"source_ids: {len(registered)} sources selected; at most {limit} per draft")
        chars = sum(len(source.text) for source in registered)
        if chars > self.policy.max_source_chars:
            limit_chars = self.policy.max_source_chars
            raise InvalidRequest(f"source_ids: selected sources hold {chars} characters; at most {limit_chars}")
        return registered
