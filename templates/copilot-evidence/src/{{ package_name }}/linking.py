"""Link a claim to evidence: the span of each source that supports it, verified character for character.

A quote the model put in double quotes is looked up first; otherwise the source sentence
that covers most of the claim is the candidate. Every source of the draft is searched, so
a claim can be corroborated by a source it did not cite; `cited` records which it did.
"""

from __future__ import annotations

from dataclasses import dataclass

from .claims import DraftedClaim
from .evidence_policy import EvidencePolicy
from .records import Evidence, Source
from .spans import Span, coverage, locate, sentence_spans, verify


@dataclass(frozen=True)
class TaggedSource:
    """A source as the model saw it: `[S1] text ...`."""

    tag: str
    source: Source


def link_evidence(claim: DraftedClaim, sources: list[TaggedSource], policy: EvidencePolicy) -> list[Evidence]:
    cited = {tagged.source.id for tagged in sources if tagged.tag in claim.tags}
    evidence = []
    for tagged in sources:
        found = _best_span(claim, tagged.source.text, policy)
        if found is None:
            continue
        span, share = found
        quote = tagged.source.text[span.start : span.end]
        evidence.append(
            Evidence(
                source_id=tagged.source.id,
                start=span.start,
                end=span.end,
                quote=quote,
                coverage=round(share, 3),
                cited=tagged.source.id in cited,
                verified=verify(tagged.source.text, span.start, span.end, quote),
            )
        )
    return sorted(evidence, key=lambda item: (not item.cited, -item.coverage, item.source_id))


def _best_span(claim: DraftedClaim, text: str, policy: EvidencePolicy) -> tuple[Span, float] | None:
    candidates = [span for quote in claim.quotes if (span := locate(text, quote))]
    candidates += sentence_spans(text)
    best: tuple[Span, float] | None = None
    for span in candidates:
        share = coverage(claim.text, text[span.start : span.end], numbers_must_match=policy.numbers_must_match)
        if share >= policy.min_claim_coverage and (best is None or share > best[1]):
            best = (span, share)
    return best
