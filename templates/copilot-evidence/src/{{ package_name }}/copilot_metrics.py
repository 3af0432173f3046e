"""The copilot's own eval metrics, registered with the platform's metric registry.

Each reads the predictor's `claims` (with `requirement`, `status` and cited `evidence`) and
`gaps`, and the case's `expected`: `clauses` (requirement id -> clauses a correct citation
contains), `gaps`, `adversarial` (the scripted draft misstates its span) and `stale`.
"""

from __future__ import annotations

from .platform.evals.metrics import Expected, Prediction, register


def _flat(text: str) -> str:
    return " ".join(text.split()).lower()


def _supported(prediction: Prediction, requirement: str) -> list[dict]:
    return [c for c in prediction.get("claims", []) if c["requirement"] == requirement and c["status"] == "supported"]


@register("claim_support_rate")
def claim_support_rate(prediction: Prediction, expected: Expected) -> float | None:
    """Share of claims kept with at least one non-empty verified span; 0 below `min_supported_claims`."""
    if "claims" not in prediction:
        return None
    claims = prediction["claims"]
    minimum = int(expected.get("min_supported_claims", 0))
    supported = sum(
        any(ev.get("quote") and int(ev.get("start", 0)) < int(ev.get("end", 0)) for ev in claim.get("evidence", []))
        for claim in claims
    )
    if supported < minimum:
        return 0.0
    return supported / len(claims) if claims else None


@register("span_contains_clause")
def span_contains_clause(prediction: Prediction, expected: Expected) -> float | None:
    """Share of answerable requirements with a kept claim whose cited span holds the supporting clause."""
    clauses = expected.get("clauses")
    if not clauses or "claims" not in prediction:
        return None
    hits = 0
    for requirement, wanted in clauses.items():
        quotes = [
            _flat(ev["quote"]) for c in _supported(prediction, requirement) for ev in c["evidence"] if ev["cited"]
        ]
        hits += any(_flat(clause) in quote for clause in wanted for quote in quotes)
    return hits / len(clauses)


@register("requirement_coverage")
def requirement_coverage(prediction: Prediction, expected: Expected) -> float | None:
    """Share of answerable requirements that got at least one kept, cited claim."""
    clauses = expected.get("clauses")
    if not clauses or "claims" not in prediction:
        return None
    return sum(bool(_supported(prediction, requirement)) for requirement in clauses) / len(clauses)


@register("gap_recall")
def gap_recall(prediction: Prediction, expected: Expected) -> float | None:
    """Share of requirements the library cannot answer that the draft lists as gaps (not guessed)."""
    wanted = [] if expected.get("adversarial") or expected.get("stale") else expected.get("gaps", [])
    if not wanted or "gaps" not in prediction:
        return None
    return sum(gap in prediction["gaps"] for gap in wanted) / len(wanted)


@register("unflagged_adversarial_rate", direction="lower")
def unflagged_adversarial_rate(prediction: Prediction, expected: Expected) -> float | None:
    """Share of scripted claims that misstate their span yet were kept as supported (target 0)."""
    if not expected.get("adversarial") or "claims" not in prediction:
        return None
    claims = prediction["claims"]
    if not claims:
        return 1.0  # the scripted draft must produce claims; none means the case did not run
    return sum(claim["status"] == "supported" for claim in claims) / len(claims)


@register("stale_detection")
def stale_detection(prediction: Prediction, expected: Expected) -> float | None:
    """Share of claims citing a document that changed after drafting which are marked stale."""
    changed = set(expected.get("stale", []))
    if not changed or "claims" not in prediction:
        return None
    citing = [c for c in prediction["claims"] if set(c.get("sources", [])) & changed]
    if not citing:
        return 0.0
    return sum(claim["status"] == "stale" for claim in citing) / len(citing)
