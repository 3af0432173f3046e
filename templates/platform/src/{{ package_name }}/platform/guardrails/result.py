"""What every guard returns, and the two shapes a guard may take.

A `Finding` holds a *type and a span*, never the matched text: results are logged,
audited and shown in errors, and a finding that carried the card number it found
would leak it into every one of those places.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Action = Literal["allow", "redact", "block"]

# Severity order used to combine results: the most severe action wins.
SEVERITY: dict[Action, int] = {"allow": 0, "redact": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One detection: what kind it is, where it is in the scanned text, how sure the guard is."""

    type: str
    start: int
    end: int
    score: float


@dataclass(frozen=True, slots=True)
class GuardResult:
    """The verdict of one guard on one text.

    `text` is the sanitised text (redactions applied); `score` is the guard's confidence
    in [0, 1] that the text holds what the guard looks for (0 = nothing found).
    """

    guard: str
    action: Action
    text: str
    score: float
    findings: tuple[Finding, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.action == "block"


@runtime_checkable
class Guard(Protocol):
    """An input guard: scans the user's request."""

    name: str

    def scan(self, text: str) -> GuardResult: ...


@runtime_checkable
class OutputGuard(Protocol):
    """An output guard: scans the model's answer, optionally knowing the prompt that produced it."""

    name: str

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult: ...


def most_severe(actions: Iterable[Action]) -> Action:
    """The strongest action of several; `allow` when there are none."""
    return max(actions, key=SEVERITY.__getitem__, default="allow")


def redact(text: str, findings: Iterable[Finding], labels: dict[str, str] | None = None) -> str:
    """Replace each finding's span by `[TYPE]` (or `labels[type]`); overlapping spans merge.

    Works from the end of the text so earlier offsets stay valid while replacing.
    """
    spans = sorted(findings, key=lambda finding: (finding.start, -finding.end))
    merged: list[tuple[int, int, str]] = []
    for finding in spans:
        label = (labels or {}).get(finding.type, f"[{finding.type.upper()}]")
        if merged and finding.start < merged[-1][1]:
            start, end, first_label = merged[-1]
            merged[-1] = (start, max(end, finding.end), first_label)
        else:
            merged.append((finding.start, finding.end, label))
    for start, end, label in reversed(merged):
        text = text[:start] + label + text[end:]
    return text


def result_from_findings(
    guard: str, text: str, findings: list[Finding], *, on_finding: Action, labels: dict[str, str] | None = None
) -> GuardResult:
    """Build the usual result: nothing found -> allow; found -> `on_finding`, text always redacted.

    The text is redacted even when blocking, so a blocked request never carries the raw value
    onward into logs or error messages.
    """
    if not findings:
        return GuardResult(guard=guard, action="allow", text=text, score=0.0)
    ordered = tuple(sorted(findings, key=lambda finding: finding.start))
    return GuardResult(
        guard=guard,
        action=on_finding,
        text=redact(text, ordered, labels),
        score=max(finding.score for finding in ordered),
        findings=ordered,
    )
