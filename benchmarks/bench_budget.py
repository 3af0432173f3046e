"""Cost budget speed: reserve + settle round trips per second, one thread and eight.

Run: python benchmarks/bench_budget.py [--calls 4000]
Imports the platform layer straight from templates/platform (through a throwaway package that
links to it), so no project has to be rendered. Writes benchmarks/results/budget.md.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from report_file import write_report
from template_platform import REPO, import_platform

PRICING_FILE = REPO / "templates" / "platform" / "policies" / "pricing.yml"
RESULTS = REPO / "benchmarks" / "results" / "budget.md"


def load_platform(workdir: Path):
    """The template's budget and governance modules, imported in place."""
    budget, governance = import_platform(workdir, "budget", "governance")
    return budget, governance


def make_guard(budget, governance, path: Path):
    """A budget far above what the run spends, so every call takes the full reserve + settle path."""
    limits = governance.Budget(monthly_usd=1_000_000, daily_usd=1_000_000)
    return budget.BudgetGuard(limits, budget.CostLedger(path), budget.Pricing.load(PRICING_FILE))


class Message:
    def __init__(self, role: str, content: str) -> None:
        self.role, self.content = role, content


# A retrieval-style prompt (~3,200 characters): the bound is computed on every call, as the runtime does.
PROMPT = [
    Message("system", "Answer from the sources only and cite them as [S1]. " * 4),
    Message(
        "user", "\n".join(f"[S{n}] The refund policy allows returns within 30 days of delivery." for n in range(40))
    ),
]


def round_trip(guard, feature: str) -> None:
    bound = sys.modules[type(guard).__module__].input_token_bound(PROMPT)  # the guard module's own bound
    held = guard.reserve(feature=feature, model="gpt-4o-mini", input_tokens=bound, max_output_tokens=512)
    guard.settle(held, input_tokens=800, output_tokens=200)


def bench_single(guard, calls: int) -> tuple[str, str]:
    round_trip(guard, "warmup")
    latencies = []
    for _ in range(calls):
        start = time.perf_counter()
        round_trip(guard, "answer")
        latencies.append(time.perf_counter() - start)
    total = sum(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    return f"{calls / total:,.0f} calls/s", f"{calls:,} calls; p50 {p50:.2f} ms, p99 {p99:.2f} ms per reserve + settle"


def bench_threads(make, threads: int, per_thread: int, *, shared: bool) -> tuple[str, str]:
    """`shared`: one guard for all threads (in-process lock queues writers); else one guard each."""
    one_guard = make()
    guards = [one_guard if shared else make() for _ in range(threads)]
    start_line = threading.Barrier(threads + 1)
    latencies: list[float] = []

    def work(guard, index: int) -> None:
        mine = []
        start_line.wait()
        for _ in range(per_thread):
            begin = time.perf_counter()
            round_trip(guard, f"feature-{index % 4}")
            mine.append(time.perf_counter() - begin)
        latencies.extend(mine)

    workers = [threading.Thread(target=work, args=(guards[n], n)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start_line.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - start
    assert one_guard.ledger.open_reservation_count() == 0
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000
    worst = max(latencies) * 1000
    how = "one shared guard" if shared else "one guard (connection, no shared lock) each"
    result = f"{threads * per_thread / seconds:,.0f} calls/s"
    return result, f"{threads} threads x {per_thread:,}, {how}; p99 {p99:.1f} ms, max {worst:.1f} ms"


def bench_busy(budget, governance, path: Path, calls: int) -> tuple[str, str]:
    """A burst: reservations in flight fill the limit, so each further reserve is refused as busy (429)."""
    limits = governance.Budget(monthly_usd=20.0, daily_usd=1.0)
    guard = budget.BudgetGuard(limits, budget.CostLedger(path), budget.Pricing.load(PRICING_FILE))
    while True:
        try:
            guard.reserve(feature="answer", model="gpt-4o", input_tokens=10_000, max_output_tokens=10_000)
        except budget.BudgetExceeded as error:
            assert error.retry_after_s is not None
            break
    latencies = []
    for _ in range(calls):
        start = time.perf_counter()
        with contextlib.suppress(budget.BudgetExceeded):
            guard.reserve(feature="answer", model="gpt-4o", input_tokens=10_000, max_output_tokens=10_000)
        latencies.append(time.perf_counter() - start)
    p50 = statistics.median(latencies) * 1000
    return f"{calls / sum(latencies):,.0f} refusals/s", f"{calls:,} refused reserves; p50 {p50:.2f} ms each"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=4_000, help="reserve + settle round trips per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        budget, governance = load_platform(workdir)
        rows = [
            ("reserve + settle, 1 thread", *bench_single(make_guard(budget, governance, workdir / "1.db"), args.calls))
        ]
        for shared in (True, False):
            path = workdir / f"8-{shared}.db"
            value, how = bench_threads(
                lambda p=path: make_guard(budget, governance, p), 8, args.calls // 8, shared=shared
            )
            rows.append(("reserve + settle, 8 threads", value, how))
        rows.append(("burst refused as busy (429)", *bench_busy(budget, governance, workdir / "busy.db", args.calls)))

    machine = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {sys.platform}"
    lines = [
        "# Cost budget benchmark",
        "",
        f"Machine: {machine}. SQLite ledger in WAL mode, synchronous=NORMAL.",
        "One call = the input bound (`input_token_bound`: UTF-8 bytes of a ~3,200-character prompt)",
        "+ `reserve` (BEGIN IMMEDIATE: expire stale, read totals + open reservations, insert)",
        "+ `settle` (BEGIN IMMEDIATE: insert spend, update hour/day/month totals) + the anomaly read.",
        "",
        "| measurement | result | how |",
        "| --- | --- | --- |",
        *(f"| {name} | {value} | {how} |" for name, value, how in rows),
        "",
        "Writers are serialised (that is the guarantee), so threads add no throughput. One shared guard",
        "queues its threads on an in-process lock; separate connections race on SQLite's busy handler.",
        "Throughput is about the same (runs vary by +/- 20 %), but the lock gives a far lower worst case",
        "(the busy handler sleeps up to 100 ms per retry). The reserve path reads only running totals and",
        "open reservations, so its cost does not grow with the ledger's history. A model call takes",
        "100s of ms; the budget adds ~0.2 ms.",
    ]
    write_report(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
