"""Wall time of what a generated project's CI runs: tests, evals, shadow test and the policy gate.

Each pattern is rendered at the given tier, installed with uv, committed to git (as CI checks it
out), given a filled-in rollback plan, and then each step runs in a fresh process, offline (proxies
point at a closed port). `gate (cold)` starts without the secret-scan cache, as CI does; `gate
(warm)` is a local rerun. Target: tests + eval + gate <= 20 s on a 2-core machine.

    .venv/bin/python benchmarks/bench_eval_gate.py [--runs 3] [--tier medium] [--patterns rag-service ...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from controls.projects import FILLED_ROLLBACK_PLAN, OWNERS, git  # noqa: E402
from report_file import write_report  # noqa: E402

from paved_roads.generate import PATTERNS, generate  # noqa: E402
from paved_roads.project_env import ProjectEnv  # noqa: E402

OFFLINE = {"no_proxy": "*", "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9"}


def prepare(pattern: str, tier: str, folder: Path) -> tuple[Path, str]:
    project = generate(folder / pattern, data={"pattern": pattern, "risk_tier": tier, "owners": OWNERS[tier]})
    ProjectEnv(project).install()
    (project / "docs" / "rollback-plan.md").write_text(FILLED_ROLLBACK_PLAN)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "-c", "user.email=bench@example.invalid", "-c", "user.name=bench", "commit", "-q", "-m", "bench")
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"]
    return project, slug


def timed(project: Path, *command: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))} | OFFLINE
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done.returncode


def measure(project: Path, slug: str, runs: int) -> dict[str, float]:
    cli = str(project / ".venv" / "bin" / slug)
    python = str(project / ".venv" / "bin" / "python")
    steps = {
        "tests": [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=var/test-results.xml"],
        "eval": [cli, "eval"],
        "shadow": [cli, "shadow"],
        "gate (cold)": [cli, "gate"],
        "gate (warm)": [cli, "gate"],
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    codes: dict[str, int] = {}
    for _ in range(runs):
        for name, command in steps.items():
            if name == "gate (cold)":
                shutil.rmtree(project / "var" / "cache", ignore_errors=True)
            seconds, codes[name] = timed(project, *command)
            times[name].append(seconds)
    import_s, _ = timed(project, python, "-c", f"import {slug.replace('-', '_')}.cli")
    result = {name: statistics.median(values) for name, values in times.items()}
    result["cli import"] = import_s
    result["gate exit"] = float(codes["gate (cold)"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tier", choices=["low", "medium", "high"], default="medium")
    parser.add_argument("--patterns", nargs="+", choices=PATTERNS, default=list(PATTERNS))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for pattern in args.patterns:
            project, slug = prepare(pattern, args.tier, Path(folder))
            rows.append((pattern, measure(project, slug, args.runs)))
    lines = [
        f"Generated project CI steps at {args.tier} tier, median of {args.runs} runs, fresh process each,"
        f" offline ({os.cpu_count()} cores). Target: tests + eval + gate (cold) <= 20 s.",
        "",
        "| pattern | tests s | eval s | shadow s | gate cold s | gate warm s | CLI import s |"
        " tests+eval+gate s | with shadow s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for pattern, r in rows:
        core = r["tests"] + r["eval"] + r["gate (cold)"]
        lines.append(
            f"| {pattern} | {r['tests']:.2f} | {r['eval']:.2f} | {r['shadow']:.2f} | {r['gate (cold)']:.2f} |"
            f" {r['gate (warm)']:.2f} | {r['cli import']:.2f} | {core:.2f} | {core + r['shadow']:.2f} |"
        )
    exits = {pattern: int(r["gate exit"]) for pattern, r in rows}
    lines += ["", f"gate exit codes (0 = pass): {exits}"]
    write_report(ROOT / "benchmarks" / "results" / "eval_gate.md", "\n".join(lines))


if __name__ == "__main__":
    main()
