"""Model gateway overhead: `Gateway.complete` (cache off) versus calling the provider directly.

Run: python benchmarks/bench_gateway.py [--calls 2000] [--http-calls 500]
Needs httpx and pydantic in the running interpreter (`pip install httpx`). Imports the platform
layer straight from templates/platform (through a throwaway package that links to it), so no
project has to be rendered. The HTTP rows talk to the fake OpenAI server on 127.0.0.1.
Writes benchmarks/results/gateway.md.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from report_file import write_report
from template_platform import REPO, import_platform

FAKE_SERVER = REPO / "templates" / "platform" / "tests" / "platform" / "fake_openai_server.py"
RESULTS = REPO / "benchmarks" / "results" / "gateway.md"

PROMPT = "\n".join(
    [
        "[S1] Refunds are issued within 14 days of the return arriving. Shipping is free over 50 EUR.",
        "[S2] Damaged goods can be returned for a full refund within 30 days of delivery.",
        "[S3] Support is available Monday to Friday, 9:00 to 17:00 CET, by chat and e-mail.",
        "[S4] Gift cards cannot be refunded or exchanged for cash.",
        "[S5] Orders can be cancelled free of charge until they are shipped.",
        "",
        "Question: How long do refunds for damaged goods take?",
    ]
)


def load_gateway(workdir: Path):
    """The template's gateway package and the tests' fake OpenAI server, imported in place."""
    try:
        (gateway,) = import_platform(workdir, "gateway")
    except ModuleNotFoundError as error:
        sys.exit(f"bench_gateway needs {error.name}: run `python -m pip install httpx pydantic`")
    spec = importlib.util.spec_from_file_location("fake_openai_server", FAKE_SERVER)
    fake_openai_server = importlib.util.module_from_spec(spec)
    sys.modules["fake_openai_server"] = fake_openai_server  # dataclasses resolve their module by name
    spec.loader.exec_module(fake_openai_server)
    return gateway, fake_openai_server


def sample_us(call: Callable[[], object], calls: int) -> list[float]:
    """Per-call wall time in microseconds, after a short warm-up."""
    for _ in range(min(50, calls)):
        call()
    timings = []
    for _ in range(calls):
        start = time.perf_counter_ns()
        call()
        timings.append((time.perf_counter_ns() - start) / 1000)
    return timings


def p50_p95(timings: list[float]) -> tuple[float, float]:
    quantiles = statistics.quantiles(timings, n=20, method="inclusive")
    return statistics.median(timings), quantiles[18]


def measure(gw, provider, model: str, calls: int) -> list[tuple[str, list[float]]]:
    """Direct provider call, the same call through the gateway, and a gateway cache hit."""
    messages = [gw.Message("system", "Answer only from the sources."), gw.Message("user", PROMPT)]
    gateway = gw.Gateway(
        [gw.Route(provider, model, "embed")], cache=gw.ResponseCache(), retry=gw.RetryPolicy(max_attempts=1)
    )

    def direct() -> object:
        return provider.complete(messages, model=model, temperature=0.0, max_tokens=512)

    def through_gateway() -> object:
        return gateway.complete(messages, use_cache=False)

    def cache_hit() -> object:
        return gateway.complete(messages)

    return [
        ("direct provider call", sample_us(direct, calls)),
        ("gateway, cache off", sample_us(through_gateway, calls)),
        ("gateway, cache hit", sample_us(cache_hit, calls)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per row, local provider")
    parser.add_argument("--http-calls", type=int, default=500, help="calls per row, fake HTTP server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        gw, fake = load_gateway(Path(tmp))
        rows = [("local", *row) for row in measure(gw, gw.LocalProvider(), gw.LOCAL_MODEL, args.calls)]
        with fake.FakeOpenAIServer() as server:
            remote = gw.OpenAICompatibleProvider(base_url=server.url, api_key="sk-bench")
            rows += [("fake HTTP server", *row) for row in measure(gw, remote, "gpt-bench", args.http_calls)]
            remote.close()

    table = []
    direct_p50: dict[str, float] = {}
    for provider, case, timings in rows:
        p50, p95 = p50_p95(timings)
        direct_p50.setdefault(provider, p50)
        overhead = "" if case.startswith("direct") else f"{p50 - direct_p50[provider]:+,.0f}"
        table.append(f"| {provider} | {case} | {len(timings):,} | {p50:,.0f} | {p95:,.0f} | {overhead} |")

    machine = f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {sys.platform}"
    lines = [
        "# Model gateway benchmark",
        "",
        f"Machine: {machine}. Wall time per call in microseconds.",
        "The gateway row adds plan, concurrency slot, breaker, retry loop and usage estimate;",
        "the cache-hit row adds key hashing and lookup but skips the provider.",
        "",
        "| provider | case | calls | p50 µs | p95 µs | p50 overhead vs direct µs |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *table,
    ]
    write_report(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
