"""The drafting step as pure functions: which sentences the model sees, its prompt, and the draft text.

Per requirement, the library's passages are cut into sentences; title lines, links and licence
or copyright notices are dropped (`spans.is_prose`), and the sentences sharing most words with
the requirement are shown to the model, each under its own tag, so a citation names one span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .library import Passage
from .linking import Candidate
from .platform.gateway.evidence_prompt import evidence_message, says_dont_know
from .records import Claim, Requirement
from .spans import is_prose, sentence_spans
from .support import content_stems

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _words(text: str) -> set[str]:
    """Stemmed content words, CamelCase split ("StatefulSetSpec" -> stateful, set, spec)."""
    return content_stems(_CAMEL.sub(" ", text))


def select_candidates(
    passages: Iterable[Passage],
    requirement: str,
    *,
    limit: int,
    max_documents: int | None = None,
    distinct_text: bool = True,
) -> list[Candidate]:
    """The `limit` prose sentences sharing most words with the requirement, from its best documents.

    A sentence scores by the requirement words it shares, plus those its document's title shares
    (a field description rarely repeats the name of what it describes). Only sentences from the
    `max_documents` best-scoring documents are kept, so near-duplicates from neighbouring documents
    do not crowd the answer. With `distinct_text` a sentence repeated in several sources is shown once.
    """
    wanted = _words(requirement)
    found: list[tuple[int, int, Candidate]] = []
    seen: set[tuple[str, int, int]] = set()
    seen_text: set[str] = set()
    titles: dict[str, int] = {}
    for passage in passages:
        if passage.source_id not in titles:
            titles[passage.source_id] = len(wanted & _words(passage.title))
        for span in sentence_spans(passage.text):
            quote = passage.text[span.start : span.end]
            start, end = passage.start + span.start, passage.start + span.end
            flat = " ".join(quote.split()).lower()
            repeated = distinct_text and flat in seen_text
            if (passage.source_id, start, end) in seen or repeated or not is_prose(quote):
                continue
            overlap = len(wanted & _words(quote))
            if overlap == 0:
                continue
            seen.add((passage.source_id, start, end))
            seen_text.add(flat)
            candidate = Candidate("", passage.source_id, passage.version, passage.title, start, end, quote)
            found.append((overlap + titles[passage.source_id], len(found), candidate))
    best_of: dict[str, int] = {}
    for score, _, candidate in found:
        best_of[candidate.source_id] = max(best_of.get(candidate.source_id, 0), score)
    documents = sorted(best_of, key=lambda source: -best_of[source])[:max_documents]
    ranked = sorted((item for item in found if item[2].source_id in documents), key=lambda item: (-item[0], item[1]))
    return [
        Candidate(f"S{n}", c.source_id, c.version, c.title, c.start, c.end, c.quote)
        for n, (_, _, c) in enumerate(ranked[:limit], start=1)
    ]


def evidence_sources(candidates: list[Candidate]) -> list[tuple[str, str]]:
    """One `(tag, sentence)` per candidate, whitespace collapsed: the sources the model reads."""
    return [(c.tag, " ".join(c.quote.split())) for c in candidates]


def build_user_message(candidates: list[Candidate], requirement: Requirement) -> str:
    """The platform's evidence prompt: one tagged block per sentence, then the requirement as the question."""
    return evidence_message(evidence_sources(candidates), requirement.text)


def is_refusal(model_output: str) -> bool:
    return says_dont_know(model_output)


def kept(claim: Claim, on_unsupported: str) -> bool:
    """Whether a claim appears in the draft text: rejected never, unsupported/stale only in mark mode."""
    if claim.review == "rejected":
        return False
    return claim.status == "supported" or on_unsupported == "mark"


def marker(claim: Claim) -> str:
    """The citation a reader sees: the sources whose spans support the claim, never a tag it merely carried.

    An unsupported claim shows only its status, so a reader never takes a wrong tag for evidence.
    """
    if claim.status == "unsupported":
        return "[unsupported]"
    sources = list(dict.fromkeys(ev.source_id for ev in claim.evidence if ev.cited))
    cites = " ".join(f"[{source}]" for source in sources)
    return f"{cites} [stale]" if claim.status == "stale" else cites


def cite(sentence: str, citation: str) -> str:
    if not citation:
        return sentence
    if sentence[-1] in ".!?":
        return f"{sentence[:-1]} {citation}{sentence[-1]}"
    return f"{sentence} {citation}"


def section_text(claims: list[Claim], on_unsupported: str) -> str:
    return " ".join(cite(claim.text, marker(claim)) for claim in claims if kept(claim, on_unsupported))
