"""One driver for any list of guards: run in order, chain redactions, stop at the first block."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .result import Action, Finding, GuardResult, OutputGuard, most_severe


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """The combined verdict: the most severe action, the text after every redaction, each guard's result."""

    action: Action
    text: str
    results: tuple[GuardResult, ...]

    @property
    def blocked(self) -> bool:
        return self.action == "block"

    @property
    def blocked_by(self) -> tuple[str, ...]:
        """The guards that blocked, by name, sorted (empty when nothing did)."""
        return tuple(sorted({result.guard for result in self.results if result.action == "block"}))

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(finding for result in self.results for finding in result.findings)


class GuardPipeline:
    """Run guards in order; each sees the text as the previous one left it (redactions chain).

    With `fail_fast` (the default) the first block stops the run: later guards would only
    spend time on a request that is refused anyway.
    """

    def __init__(self, guards: Sequence[OutputGuard], *, fail_fast: bool = True) -> None:
        self.guards = tuple(guards)
        self.fail_fast = fail_fast

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(guard.name for guard in self.guards)

    def run(self, text: str, *, prompt: str | None = None) -> PipelineResult:
        """Scan `text`; pass `prompt` when scanning a model answer so output guards can use it."""
        results: list[GuardResult] = []
        for guard in self.guards:
            result = guard.scan(text) if prompt is None else guard.scan(text, prompt=prompt)
            results.append(result)
            text = result.text
            if result.action == "block" and self.fail_fast:
                break
        return PipelineResult(most_severe(result.action for result in results), text, tuple(results))

    def for_documents(self) -> GuardPipeline:
        """The same guards for retrieved text rather than a request.

        A guard with a `for_documents()` variant is swapped for it: `prompt_injection` drops its learned
        signal, which was trained on requests and judges a whole text, while documents are judged span by
        span (`scan_context`). Every other guard (pii, secrets, policy) runs unchanged.
        """
        swapped = [guard.for_documents() if hasattr(guard, "for_documents") else guard for guard in self.guards]
        return GuardPipeline(swapped, fail_fast=self.fail_fast)

    def __repr__(self) -> str:
        return f"GuardPipeline({list(self.names)}, fail_fast={self.fail_fast})"
