"""Link a drafted claim to the span it came from and decide whether the sources support it.

Each candidate sentence reaches the model under its own tag (`[S3]`), so a claim's tag names
the exact span it was drawn from; that span, not the best-covering sentence anywhere, must
support the claim (`support.check_support`). A claim whose cited span does not support it is
unsupported even when another source would: the citation a reader sees must be the evidence.
Corroboration counts only spans from other sources that pass the same check.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .claims import DraftedClaim
from .records import ClaimStatus, Evidence
from .spans import verify
from .support import check_support


@dataclass(frozen=True)
class Candidate:
    """A sentence shown to the model as `[tag] quote`; `text` is the full document version."""

    tag: str
    source_id: str
    version: str
    title: str
    start: int
    end: int
    quote: str


@dataclass(frozen=True)
class Linked:
    status: ClaimStatus
    cited_sources: list[str]
    evidence: list[Evidence]
    reasons: list[str] = field(default_factory=list)


def _evidence(candidate: Candidate, coverage: float, *, cited: bool, text: str) -> Evidence:
    return Evidence(
        source_id=candidate.source_id,
        version=candidate.version,
        start=candidate.start,
        end=candidate.end,
        quote=candidate.quote,
        coverage=coverage,
        cited=cited,
        verified=verify(text, candidate.start, candidate.end, candidate.quote),
    )


def link_claim(
    claim: DraftedClaim,
    candidates: list[Candidate],
    texts: dict[tuple[str, str], str],
    *,
    min_coverage: float,
    min_evidence: int,
    corroborators: list[Candidate] | None = None,
) -> Linked:
    """Verdict for one claim; `texts` holds each cited version's full text for the offset check."""
    by_tag = {candidate.tag: candidate for candidate in candidates}
    cited = [by_tag[tag] for tag in claim.tags if tag in by_tag]
    cited_sources = [by_tag[tag].source_id if tag in by_tag else f"unknown:{tag}" for tag in claim.tags]
    reasons: list[str] = []
    if not claim.tags:
        reasons.append("no citation: every claim sentence must end with the tag of its source, e.g. [S1]")
    for tag in claim.tags:
        if tag not in by_tag:
            reasons.append(f"cites [{tag}], which was not among the sources given")

    evidence: list[Evidence] = []
    for candidate in cited:
        verdict = check_support(claim.text, candidate.quote, min_coverage=min_coverage)
        text = texts[(candidate.source_id, candidate.version)]
        if verdict.supported:
            evidence.append(_evidence(candidate, verdict.coverage, cited=True, text=text))
        else:
            reasons.extend(f"[{candidate.tag}] {candidate.source_id}: {reason}" for reason in verdict.reasons)

    if not evidence:
        for other in candidates:
            if other in cited:
                continue
            if check_support(claim.text, other.quote, min_coverage=min_coverage).supported:
                reasons.append(
                    f"wrong citation: [{other.tag}] {other.source_id} supports this claim, not the source it cites"
                )
                break
        return Linked("unsupported", cited_sources, [], reasons or ["the cited span does not support the claim"])

    sources = {ev.source_id for ev in evidence}
    if len(sources) < min_evidence:
        for other in [*candidates, *(corroborators or [])]:
            if other.source_id in sources or len(sources) >= min_evidence:
                continue
            verdict = check_support(claim.text, other.quote, min_coverage=min_coverage)
            if verdict.supported:
                text = texts[(other.source_id, other.version)]
                evidence.append(_evidence(other, verdict.coverage, cited=False, text=text))
                sources.add(other.source_id)
    verified_sources = {ev.source_id for ev in evidence if ev.verified}
    if len(verified_sources) < min_evidence:
        reasons.append(f"needs supporting spans from {min_evidence} different sources; found {len(verified_sources)}")
        return Linked("unsupported", cited_sources, evidence, reasons)
    return Linked("supported", cited_sources, evidence, [])
