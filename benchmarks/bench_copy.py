"""Time `copier copy` of each pattern against a trivial one-file template, in one run.

Both go through the same CLI in a fresh process, so Copier's import time is in
both numbers and the ratio shows what our templates add. Target: <= 2 s per pattern.

    .venv/bin/python benchmarks/bench_copy.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report_file import write_report

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = ("rag-service", "approval-workflow", "copilot-evidence")


def trivial_template(folder: Path) -> Path:
    (folder / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (folder / "README.md.jinja").write_text("# {{ name }}\n")
    return folder


def time_copy(template: Path, data: list[str], runs: int) -> list[float]:
    times = []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            args = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet", "--vcs-ref", "HEAD"]
            for item in data:
                args += ["--data", item]
            start = time.perf_counter()
            subprocess.run([*args, str(template), out], check=True, env=env, capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        trivial = statistics.median(time_copy(trivial_template(Path(folder)), [], args.runs))
    rows.append(("trivial one-file template", trivial, 1.0))
    for pattern in PATTERNS:
        median = statistics.median(time_copy(ROOT, [f"pattern={pattern}"], args.runs))
        rows.append((pattern, median, median / trivial))
    lines = [
        f"copier copy, median of {args.runs} runs, fresh process each ({os.cpu_count()} cores)",
        "",
        "| template | median s | vs trivial |",
        "| --- | ---: | ---: |",
        *(f"| {name} | {seconds:.2f} | {ratio:.1f}x |" for name, seconds, ratio in rows),
    ]
    write_report(ROOT / "benchmarks" / "results" / "copy.md", "\n".join(lines))


if __name__ == "__main__":
    main()
