"""Run golden cases through the pattern's `predict` hook, in parallel, and score them.

Cases run on a thread pool because a case mostly waits (on a provider, SQLite, the retrieval
store); the runtime's ledger and audit log are safe to share between threads. Each case's latency
is measured around `predict`. The first case a worker answers pays that worker's cold start
(thread-local connections, caches, lazy imports), so it is reported as `cold_start_s` and left out
of the latency percentiles, which describe a warm service. Latency is reported, never gated by a
default threshold: it measures the machine as much as the code. Spend is read from the cost ledger
before and after the run, so the cost per case is what the budget was actually charged.
"""

from __future__ import annotations

import contextvars
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..assets import recording_prompt_loads
from .datasets import Dataset, EvalCase
from .fingerprint import config_fingerprint, config_parts
from .judge import judge_groundedness
from .metrics import METRICS, directions

if TYPE_CHECKING:
    from ..runtime import Runtime

Predict = Callable[["Runtime", dict[str, Any]], dict[str, Any]]


@dataclass
class CaseResult:
    case: EvalCase
    prediction: dict[str, Any]
    latency_s: float
    scores: dict[str, float] = field(default_factory=dict)
    error: str | None = None
    cold: bool = False  # the first case its worker answered: its latency includes the worker's start-up


@dataclass
class EvalRun:
    """Everything a report, a baseline and the gate need from one run."""

    started_at: str
    duration_s: float
    workers: int
    provider: str
    model: str
    fingerprint: str
    fingerprint_parts: dict[str, str]
    datasets: list[Dataset]
    results: list[CaseResult]
    metrics: dict[str, float]
    metric_counts: dict[str, int]
    metrics_by_dataset: dict[str, dict[str, float]]
    cost_total_usd: float
    prompt_refs: list[str]
    cold_start_s: float = 0.0  # slowest first case of a worker (start-up included), not in the percentiles
    directions: dict[str, str] = field(default_factory=dict)  # per metric: "higher" or "lower" is better

    @property
    def errors(self) -> int:
        return sum(result.error is not None for result in self.results)


def _spent_usd(runtime: Runtime) -> float | None:
    try:
        return runtime.budget.ledger.sum_spend_nano() / 1_000_000_000
    except AttributeError:  # a runtime without a ledger (tests with a stub) reports no spend
        return None


class _Workers(threading.local):
    """Which worker threads have answered a case already (a thread's first case is its cold start)."""

    warm = False


def _run_case(runtime: Runtime, predict: Predict, case: EvalCase, model_graded: bool, workers: _Workers) -> CaseResult:
    from ..errors import Refused

    cold, workers.warm = not workers.warm, True
    started = time.perf_counter()
    error = None
    try:
        prediction = dict(predict(runtime, case.for_predict()))
    except Refused as refusal:  # a control said no: that is an answer (a refusal), not a crash
        prediction = {"answer": "", "refused": True, "refused_by": refusal.control}
    except Exception as exc:  # noqa: BLE001 - one broken case must not hide the others' scores
        prediction, error = {}, f"{type(exc).__name__}: {exc}"
    latency = time.perf_counter() - started
    scores: dict[str, float] = {}
    if error is None:
        for name, metric in METRICS.items():
            value = metric.score(prediction, case.expected)
            if value is not None:
                scores[name] = float(value)
        if model_graded:
            judged = judge_groundedness(runtime, prediction)
            if judged is not None:
                scores["judge_groundedness"] = judged
    return CaseResult(case, prediction, latency, scores, error, cold)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q of the values at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def aggregate(results: list[CaseResult]) -> tuple[dict[str, float], dict[str, int]]:
    """Mean of each metric over the cases it applies to, plus how many cases that was."""
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for result in results:
        for name, value in result.scores.items():
            sums[name] = sums.get(name, 0.0) + value
            counts[name] = counts.get(name, 0) + 1
    return {name: round(sums[name] / counts[name], 6) for name in sorted(sums)}, dict(sorted(counts.items()))


def run_eval(
    runtime: Runtime,
    predict: Predict,
    datasets: list[Dataset],
    *,
    workers: int = 4,
    model_graded: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> EvalRun:
    """Run every case of `datasets`; a case that raises is recorded as an error, never dropped.

    `progress(done, total)` is called as cases finish (in dataset order), e.g. to draw a progress bar.
    """
    cases = [case for dataset in datasets for case in dataset.cases]
    parts = config_parts(runtime.settings)
    spent_before = _spent_usd(runtime)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = time.perf_counter()
    threads = _Workers()
    with recording_prompt_loads() as prompt_refs, ThreadPoolExecutor(max(workers, 1), "eval") as pool:
        # Each case runs in a copy of this context, so prompt loads in worker threads are recorded.
        futures = [
            pool.submit(contextvars.copy_context().run, _run_case, runtime, predict, case, model_graded, threads)
            for case in cases
        ]
        results = []
        for future in futures:
            results.append(future.result())
            if progress is not None:
                progress(len(results), len(futures))
    duration = time.perf_counter() - started
    spent_after = _spent_usd(runtime)
    if spent_before is not None and spent_after is not None:
        cost_total = spent_after - spent_before
    else:
        cost_total = sum(float(r.prediction.get("cost_usd", 0.0)) for r in results)
    metrics, counts = aggregate(results)
    warm = [result.latency_s for result in results if not result.cold]
    latencies = warm or [result.latency_s for result in results]  # a run of one case per worker has no warm case
    metrics |= {
        "latency_p50_s": round(percentile(latencies, 0.50), 4),
        "latency_p95_s": round(percentile(latencies, 0.95), 4),
        "cost_per_case_usd": round(cost_total / len(cases), 8) if cases else 0.0,
        "error_rate": round(sum(r.error is not None for r in results) / len(cases), 6) if cases else 0.0,
    }
    by_dataset = {
        dataset.meta.name: aggregate([r for r in results if r.case.dataset == dataset.meta.name])[0]
        for dataset in datasets
    }
    return EvalRun(
        started_at=started_at,
        duration_s=round(duration, 3),
        workers=workers,
        provider=runtime.settings.model_provider,
        model=runtime.settings.model,
        fingerprint=config_fingerprint(runtime.settings, parts),
        fingerprint_parts=parts,
        datasets=datasets,
        results=results,
        metrics=metrics,
        metric_counts=counts,
        metrics_by_dataset=by_dataset,
        cost_total_usd=round(cost_total, 8),
        prompt_refs=sorted(prompt_refs),
        cold_start_s=round(max((r.latency_s for r in results if r.cold), default=0.0), 4),
        directions={name: direction for name, direction in directions().items() if name in metrics},
    )
