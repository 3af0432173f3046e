"""Audit log speed: append rate per durability mode and time to verify one million records.

Every append carries a keyed input hash (`log.hash_text`, HMAC-SHA-256 under the project's key)
and the log checkpoints itself every 1,000 records, as the runtime's log does; verify runs with
and without 1,000 checkpoints, and keyed hashing is timed beside plain SHA-256.

Run: python benchmarks/bench_audit.py [--records 1000000]
Imports the platform layer straight from templates/platform (through a throwaway package that
links to it), so no project has to be rendered. Writes benchmarks/results/audit.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

from report_file import write_report
from template_platform import REPO, import_platform

RESULTS = REPO / "benchmarks" / "results" / "audit.md"
KEY = b"benchmark-hmac-key-of-32-bytes!!"
CHUNK = 50_000  # records per append_many transaction when generating the big log


def load_audit_module(workdir: Path):
    """The template's audit log module, imported in place."""
    (audit_log,) = import_platform(workdir, "audit.log")
    return audit_log


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}"


def fsync_rate(directory: Path, count: int = 2_000) -> float:
    """What the disk allows: small write + fsync per second, the ceiling for durability=full."""
    fd = os.open(directory / "fsync.probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    start = time.perf_counter()
    for _ in range(count):
        os.write(fd, b"x" * 128)
        os.fsync(fd)
    seconds = time.perf_counter() - start
    os.close(fd)
    return count / seconds


def bench_single(audit, path: Path, durability: str, count: int, rounds: int = 3) -> tuple[str, str]:
    """Median of `rounds` runs with the range: per-commit fsync time swings with other disk traffic."""
    log = audit.AuditLog(path, durability=durability, checkpoint_file=path.with_suffix(".checkpoints.jsonl"))
    log.append(actor="warmup", action="open", decision="ok")
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for index in range(count // rounds):
            log.append(
                actor="svc-rag",
                action="llm.call",
                decision="allow",
                model="local-extractive",
                input_hash=log.hash_text(str(index)),
                details={"feature": "rag", "tokens": index},
            )
        rates.append((count // rounds) / (time.perf_counter() - start))
    low, mid, high = min(rates), statistics.median(rates), max(rates)
    return f"{mid:,.0f} records/s", f"median of {rounds} x {count // rounds:,} appends (range {low:,.0f}-{high:,.0f})"


def bench_threads(audit, path: Path, threads: int, per_thread: int, *, shared: bool) -> tuple[str, str]:
    """`shared`: one AuditLog for all threads (group commit); else one AuditLog (connection) each."""
    one_log = audit.AuditLog(path)

    def work(name: str) -> None:
        log = one_log if shared else audit.AuditLog(path)
        for _ in range(per_thread):
            log.append(actor=name, action="llm.call", decision="allow")

    workers = [threading.Thread(target=work, args=(f"t{n}",)) for n in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - start
    assert one_log.verify().ok
    how = "one shared AuditLog (group commit)" if shared else "one AuditLog each (SQLite lock only)"
    return rate(threads * per_thread, seconds), f"{threads} threads x {per_thread:,}, {how}"


def bench_hashing(audit, workdir: Path, count: int = 200_000) -> tuple[str, str]:
    """Keyed content hash vs the plain SHA-256 it replaced, on a short question."""
    import hashlib

    log = audit.AuditLog(workdir / "hashing.sqlite3")
    text = "Refund order 1234 to the card ending 4242, and tell me when it arrives. " * 3
    timings = {}
    for name, fingerprint in (
        ("keyed", log.hash_text),
        ("plain", lambda value: "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()),
    ):
        start = time.perf_counter()
        for _ in range(count):
            fingerprint(text)
        timings[name] = (time.perf_counter() - start) / count * 1e6
    return (
        f"{timings['keyed']:.2f} µs vs {timings['plain']:.2f} µs",
        f"per hash, {len(text)} characters, {count:,} each",
    )


def bench_overhead(audit, workdir: Path, blocks: int = 30, per_block: int = 400) -> tuple[str, str]:
    """What keyed hashing and checkpoints add to an append, measured side by side so load cancels out.

    Alternating blocks of appends (durability=normal) to two logs: one hashing the input with the
    project key and checkpointing every 1,000 records, one storing a precomputed hash, no checkpoints.
    """
    bare = audit.AuditLog(workdir / "bare.sqlite3", durability="normal")
    full = audit.AuditLog(
        workdir / "full.sqlite3", durability="normal", checkpoint_file=workdir / "full.checkpoints.jsonl"
    )
    constant = full.hash_text("precomputed")
    question = "Refund order 1234 to the card ending 4242, and tell me when it arrives. " * 3
    ratios, rates = [], {"bare": [], "full": []}
    for block in range(blocks):
        measured = {}
        for name in ("bare", "full") if block % 2 else ("full", "bare"):
            log = bare if name == "bare" else full
            start = time.perf_counter()
            for index in range(per_block):
                digest = constant if name == "bare" else log.hash_text(f"{question}{index}")
                log.append(actor="svc", action="answer.complete", decision="answered", input_hash=digest)
            measured[name] = per_block / (time.perf_counter() - start)
            rates[name].append(measured[name])
        ratios.append(measured["full"] / measured["bare"])
    full_rate, bare_rate = statistics.median(rates["full"]), statistics.median(rates["bare"])
    value = f"{full_rate:,.0f} vs {bare_rate:,.0f} records/s ({statistics.median(ratios):.2f}x)"
    return value, f"durability=normal, median of {blocks} alternating blocks of {per_block:,}; ratio = median of pairs"


def generate(audit, path: Path, count: int, key: bytes | None) -> float:
    log = audit.AuditLog(path, hmac_key=key)
    start = time.perf_counter()
    for first in range(0, count, CHUNK):
        log.append_many(
            audit.AuditEntry(
                actor=f"user-{n % 977}",
                action="llm.call",
                decision="allow",
                model="local-extractive",
                prompt_version="answer@v1",
                input_hash=log.hash_text(str(n)),
                output_hash=log.hash_text(str(-n)),
                details={"feature": "rag", "input_tokens": n % 4096, "output_tokens": n % 512},
            )
            for n in range(first, min(first + CHUNK, count))
        )
    return time.perf_counter() - start


def checkpoints_of(audit, path: Path, key: bytes | None, every: int) -> list:
    """Signed checkpoints at every `every`-th record, as a log that checkpointed while written has."""
    import sqlite3

    from benchbed.platform.audit.checkpoint import signed
    from benchbed.platform.audit.keys import KEY_FILE, load_or_create_key

    signing = key or load_or_create_key(path.parent / KEY_FILE)  # what the log signs with
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT seq, hash FROM audit_records WHERE seq % ? = 0", (every,)).fetchall()
    return [signed(signing, seq, hash_, "2026-01-01T00:00:00Z") for seq, hash_ in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="size of the log to verify")
    parser.add_argument("--single", type=int, default=5_000, help="appends per single-writer run")
    args = parser.parse_args()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())  # before we add our own

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        audit = load_audit_module(workdir)
        rows: list[tuple[str, str, str]] = []
        rows.append(("disk: write + fsync", f"{fsync_rate(workdir):,.0f} /s", "ceiling for one fsync per append"))
        for durability in ("full", "normal"):
            value, how = bench_single(audit, workdir / f"single-{durability}.sqlite3", durability, args.single)
            rows.append((f"append, single writer, durability={durability}", value, how))
        for shared in (True, False):
            value, how = bench_threads(audit, workdir / f"threads-{shared}.sqlite3", 8, args.single // 8, shared=shared)
            rows.append(("append, 8 concurrent writers, durability=full", f"{value} records/s", how))
        for label, key in (("sha256", None), ("hmac-sha256", KEY)):
            path = workdir / f"big-{label}.sqlite3"
            seconds = generate(audit, path, args.records, key)
            rows.append(
                (
                    f"append_many (group commit), {label}",
                    f"{rate(args.records, seconds)} records/s",
                    f"{args.records:,} records in transactions of {CHUNK:,}",
                )
            )
            start = time.perf_counter()
            result = audit.AuditLog(path, hmac_key=key).verify()
            seconds = time.perf_counter() - start
            assert result.ok and result.records == args.records, result
            size_mb = path.stat().st_size / 1e6
            rows.append((f"verify, {label}", f"{seconds:.2f} s", f"{args.records:,} records, {size_mb:,.0f} MB file"))
            checkpoints = checkpoints_of(audit, path, key, every=args.records // 1000)
            start = time.perf_counter()
            result = audit.AuditLog(path, hmac_key=key).verify(checkpoints=checkpoints)
            seconds = time.perf_counter() - start
            assert result.ok and result.records == args.records, result
            how = f"{args.records:,} records, {len(checkpoints):,} signed checkpoints"
            rows.append((f"verify against checkpoints, {label}", f"{seconds:.2f} s", how))
        rows.append(("hash_text: HMAC-SHA-256 (keyed) vs SHA-256 (plain)", *bench_hashing(audit, workdir)))
        rows.append(("append with keyed hash + checkpoints vs without", *bench_overhead(audit, workdir)))

    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{python}, {os.cpu_count()} cores, load average {load} at start"
    lines = [
        "# Audit log benchmark",
        "",
        f"Machine: {machine}. Targets: >= 10,000 appends/s, verify 1M records <= 5 s.",
        "The big log is generated with `append_many` in chunks of one transaction each.",
        "",
        "| measurement | result | how |",
        "| --- | --- | --- |",
        *(f"| {name} | {value} | {how} |" for name, value, how in rows),
        "",
        "One fsync'd transaction per append cannot beat the disk's fsync rate. Past it: durability=normal,",
        "threads sharing one AuditLog (their appends share a commit), or append_many for batches.",
        "durability=full fsyncs every commit (survives power loss); durability=normal fsyncs at WAL",
        "checkpoints only (survives a process crash; the last commits may be lost on power loss).",
        "Neither mode can tear a record or fork the chain.",
        "",
        "Keyed hashing (HMAC-SHA-256 under the project key instead of plain SHA-256) and a checkpoint every",
        "1,000 records cost about a microsecond per hash and one line per 1,000 records: the last row",
        "compares appends with and without both in alternating blocks, so machine load cancels out.",
    ]
    write_report(RESULTS, "\n".join(lines))


if __name__ == "__main__":
    main()
