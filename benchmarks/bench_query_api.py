"""/query throughput with every platform service on vs the same retrieval behind a bare endpoint; ingest rate.

Run: python benchmarks/bench_query_api.py [--requests 1000] [--copies 0 280]
Renders a rag-service project with defaults, installs it in its own virtualenv (uv, shared cache) and
re-runs this file inside that virtualenv to measure. Writes benchmarks/results/query_api.md.

- governed: the generated app as shipped: API-key auth, rate limiter, input guards on the question,
  context scanner and guards on every retrieved chunk, budget reservation, the model gateway (local
  extractive provider), output guards, citation check, hash-chained audit records, telemetry.
- bare: a plain FastAPI endpoint over the same index that retrieves with the same `Retriever` and asks
  the same local provider, with nothing else in the path.
Both are called in-process through FastAPI's TestClient, sequentially, with distinct questions (so no
cache answers for either), after a warm-up, in alternating blocks of 20 requests (so load from other
processes hits both alike); throughput = requests / time spent inside the requests. The corpus is the
sample corpus, optionally plus N renamed copies of it (each with a unique line, so de-duplication keeps
them) to reach ~10k chunks; ingest rate is measured end to end (parse, chunk, index) on that folder.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report_file import write_report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "query_api.md"
BENCH_KEY = "bench-key-0123456789abcdef"
BLOCK = 20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


# -- inside the generated project's virtualenv ----------------------------------------------------


def build_corpus(project: Path, folder: Path, copies: int) -> None:
    sample = sorted(path for path in (project / "corpus").iterdir() if path.suffix in {".md", ".txt", ".html"})
    for path in sample:
        (folder / path.name).write_text(path.read_text())
    for copy in range(copies):
        for path in sample:
            unique = f"\n<p>Archive copy {copy}.</p>\n" if path.suffix == ".html" else f"\n\nArchive copy {copy}.\n"
            (folder / f"{path.stem}-copy{copy}{path.suffix}").write_text(path.read_text() + unique)


def run_interleaved(clients: list, headers: list[dict[str, str]], questions: list[str], block: int = BLOCK):
    """Requests/s, latencies and per-block throughput ratios, alternating blocks of requests between the apps.

    The machine is shared (a VM with neighbours): alternating means a burst of other work slows
    both apps alike instead of skewing their ratio, and the median of the paired block ratios
    ignores the bursts that still land on one block only.
    """
    for client, header in zip(clients, headers, strict=True):
        for question in questions[:20]:
            client.post("/query", json={"question": question + " warmup"}, headers=header)
    elapsed = [0.0 for _ in clients]
    latencies: list[list[float]] = [[] for _ in clients]
    block_ratios: list[float] = []
    for start in range(0, len(questions), block):
        block_seconds = []
        for index, (client, header) in enumerate(zip(clients, headers, strict=True)):
            spent = 0.0
            for question in questions[start : start + block]:
                begin = time.perf_counter()
                response = client.post("/query", json={"question": question}, headers=header)
                took = time.perf_counter() - begin
                if response.status_code != 200:
                    raise SystemExit(f"/query answered {response.status_code}: {response.text[:300]}")
                spent += took
                latencies[index].append(took)
            elapsed[index] += spent
            block_seconds.append(spent)
        block_ratios.append(block_seconds[1] / block_seconds[0])  # governed throughput / bare throughput
    rates = [len(questions) / seconds for seconds in elapsed]
    return rates, latencies, statistics.median(block_ratios)


def bare_app(package: str, settings, config):
    """The same retrieval and the same local model, with no platform service in the path."""
    from fastapi import FastAPI

    gateway = importlib.import_module(f"{package}.platform.gateway.local_provider")
    types = importlib.import_module(f"{package}.platform.gateway.types")
    backends = importlib.import_module(f"{package}.platform.knowledge.retrieval.backends")
    retriever_module = importlib.import_module(f"{package}.platform.knowledge.retrieval.retriever")
    provider = gateway.LocalProvider()

    def embed(texts):  # the same local embedding model, without the gateway's cache, slots and breaker
        return provider.embed(texts, model=gateway.LOCAL_EMBEDDING_MODEL)

    retriever = retriever_module.Retriever(backends.open_store(settings, config), config, embed=embed)
    app = FastAPI()

    @app.post("/query")
    def query(body: dict) -> dict:
        hits = retriever.search(body["question"], "confidential")
        sources = "\n\n".join(f"[S{n}] {' '.join(hit.chunk.text.split())}" for n, hit in enumerate(hits, 1))
        message = types.Message("user", f"{sources}\n\nQuestion: {body['question']}")
        reply = provider.complete([message], model="local-extractive", temperature=0.0, max_tokens=512)
        return {"answer": reply.text, "citations": [hit.chunk.id for hit in hits]}

    return app


def measure(project: Path, requests: int, copies: list[int]) -> dict:
    import yaml
    from fastapi.testclient import TestClient

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    package, prefix = answers["package_name"], answers["project_slug"].upper().replace("-", "_") + "_"
    os.chdir(project)
    lines = Path("evals/datasets/rag_golden.jsonl").read_text().splitlines()
    golden = [json.loads(line)["input"]["question"] for line in lines if line.strip()]
    golden = [question for question in golden if not question.lower().startswith("ignore")]
    questions = [f"{golden[n % len(golden)]} ref{n:05d}" for n in range(requests)]
    clients = {"bench": {"key": BENCH_KEY, "scopes": ["query"], "clearance": "confidential", "rate_per_minute": 10**9}}
    rows = []
    for count in copies:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ[f"{prefix}DATA_DIR"] = str(Path(tmp) / "var")
            os.environ[f"{prefix}API_CLIENTS"] = json.dumps(clients)
            settings_module = importlib.import_module(f"{package}.platform.settings")
            config_module = importlib.import_module(f"{package}.config")
            settings_module.get_settings.cache_clear()
            config_module.get_rag_settings.cache_clear()
            runtime_module = importlib.import_module(f"{package}.platform.runtime")
            service_module = importlib.import_module(f"{package}.service")
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            build_corpus(project, folder, count)
            runtime = runtime_module.Runtime.from_settings()
            service = service_module.RagService.from_runtime(runtime)
            started = time.perf_counter()
            report = service.ingest_folder(folder)
            ingest_s = time.perf_counter() - started
            documents, chunks = len(report.added), report.chunks
            service.close()
            runtime.close()
            app = importlib.import_module(f"{package}.api.main").create_app()
            bare = bare_app(package, settings_module.get_settings(), config_module.get_rag_settings())
            with TestClient(app) as governed_client, TestClient(bare) as bare_client:
                (governed_rps, bare_rps), (governed_latency, bare_latency), ratio = run_interleaved(
                    [governed_client, bare_client], [{"X-API-Key": BENCH_KEY}, {}], questions
                )
            rows.append(
                {
                    "documents": documents,
                    "chunks": chunks,
                    "ingest_docs_per_s": documents / ingest_s,
                    "ingest_chunks_per_s": chunks / ingest_s,
                    "governed_rps": governed_rps,
                    "bare_rps": bare_rps,
                    "ratio": ratio,
                    "governed_p50_ms": percentile(governed_latency, 0.5) * 1000,
                    "governed_p95_ms": percentile(governed_latency, 0.95) * 1000,
                    "bare_p50_ms": percentile(bare_latency, 0.5) * 1000,
                    "bare_p95_ms": percentile(bare_latency, 0.95) * 1000,
                }
            )
    return {"rows": rows, "requests": requests}


# -- orchestration from this repository -------------------------------------------------------------


def report(result: dict) -> str:
    lines = [
        "| corpus | ingest (docs/s, chunks/s) | governed /query req/s (p50, p95 ms) "
        "| bare req/s (p50, p95 ms) | governed / bare, all requests | governed / bare, median of paired blocks |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in result["rows"]:
        ratio = row["governed_rps"] / row["bare_rps"]
        lines.append(
            f"| {row['documents']:,} docs, {row['chunks']:,} chunks "
            f"| {row['ingest_docs_per_s']:,.0f}, {row['ingest_chunks_per_s']:,.0f} "
            f"| {row['governed_rps']:,.0f} ({row['governed_p50_ms']:.1f}, {row['governed_p95_ms']:.1f}) "
            f"| {row['bare_rps']:,.0f} ({row['bare_p50_ms']:.1f}, {row['bare_p95_ms']:.1f}) "
            f"| {ratio:.0%} | {row['ratio']:.0%} |"
        )
    machine = f"{platform.machine()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"
    return (
        "# /query throughput and ingest rate\n\n"
        f"`python benchmarks/bench_query_api.py` on {machine}; {result['requests']} sequential requests per app "
        "with distinct questions, in-process (TestClient), local extractive model, SQLite index. The apps take "
        f"turns in blocks of {BLOCK} requests; the last column is the median over those paired blocks, which "
        "bursts from other tenants of the machine do not move.\n\n"
        + "\n".join(lines)
        + "\n\nTarget (issue): governed throughput >= 70 % of the bare endpoint.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--copies", type=int, nargs="+", default=[0, 280], help="extra copies of the sample corpus")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests, args.copies)))
        return
    sys.path.insert(0, str(REPO / "src"))
    from paved_roads.generate import generate
    from paved_roads.project_env import ProjectEnv

    with tempfile.TemporaryDirectory() as tmp:
        project = generate(Path(tmp) / "bench-rag", data={"pattern": "rag-service"})
        env = ProjectEnv(project)
        env.install()
        command = [str(env.bin / "python"), __file__, "--measure", str(project), "--requests", str(args.requests)]
        rows = []
        for copies in args.copies:  # one process per corpus: no heap or threads left over from the last one
            completed = subprocess.run([*command, "--copies", str(copies)], capture_output=True, text=True, check=False)
            if completed.returncode != 0:
                raise SystemExit(completed.stderr[-4000:])
            rows += json.loads(completed.stdout.strip().splitlines()[-1])["rows"]
    text = report({"rows": rows, "requests": args.requests})
    write_report(args.out, text)


if __name__ == "__main__":
    main()
