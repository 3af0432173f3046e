"""Time `copier copy` of each pattern against a trivial one-file template and pawamoy/copier-uv, in one run.

All go through the same CLI in a fresh process, so Copier's import time is in every number and
the ratios show what our templates add. Targets: <= 2 s per pattern, <= 1.5x copier-uv (a popular
template of similar scope). copier-uv is read from a git checkout or bare repository given by
`--copier-uv PATH` (or `COPIER_UV`), cloned to a temporary folder at run time: none of its
files are kept in this repository. Runs alternate between templates so machine load hits all alike.

    .venv/bin/python benchmarks/bench_copy.py --copier-uv /path/to/copier-uv[.git] [--runs 7]
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
    folder.mkdir()
    (folder / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (folder / "README.md.jinja").write_text("# {{ name }}\n")
    return folder


def clone(source: Path, folder: Path) -> Path:
    """A working clone of `source` (a checkout or a bare repository) with its tags."""
    target = folder / "copier-uv"
    subprocess.run(["git", "clone", "-q", str(source), str(target)], check=True, capture_output=True)
    return target


def copy_once(template: Path, data: list[str]) -> float:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    with tempfile.TemporaryDirectory() as out:
        args = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--quiet"]
        if (template / ".git").exists():  # a git template: copy its checked-out state, tags or not
            args += ["--vcs-ref", "HEAD"]
        for item in data:
            args += ["--data", item]
        start = time.perf_counter()
        subprocess.run([*args, str(template), out], check=True, env=env, capture_output=True)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--copier-uv", type=Path, default=os.environ.get("COPIER_UV"), help="copier-uv git repo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        templates: dict[str, tuple[Path, list[str]]] = {
            "trivial one-file template": (trivial_template(Path(folder) / "trivial"), []),
        }
        if args.copier_uv:
            uv = clone(args.copier_uv, Path(folder))
            templates["pawamoy/copier-uv"] = (uv, ["project_name=Demo", "project_description=A demo"])
        for pattern in PATTERNS:
            templates[pattern] = (ROOT, [f"pattern={pattern}"])
        times: dict[str, list[float]] = {name: [] for name in templates}
        for _ in range(args.runs):  # interleaved: one run of every template per round
            for name, (template, data) in templates.items():
                times[name].append(copy_once(template, data))
    medians = {name: statistics.median(values) for name, values in times.items()}
    trivial, uv = medians["trivial one-file template"], medians.get("pawamoy/copier-uv")
    lines = [
        f"copier copy, median of {args.runs} interleaved runs, fresh process each ({os.cpu_count()} cores)",
        "",
        "| template | median s | vs trivial | vs copier-uv |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, seconds in medians.items():
        versus_uv = f"{seconds / uv:.2f}x" if uv else "not run"
        lines.append(f"| {name} | {seconds:.2f} | {seconds / trivial:.1f}x | {versus_uv} |")
    if uv:
        worst = max(medians[pattern] / uv for pattern in PATTERNS)
        verdict = "met" if worst <= 1.5 else "MISSED"
        lines += ["", f"Target <= 1.5x copier-uv: {verdict} (slowest pattern {worst:.2f}x)."]
    else:
        lines += ["", "copier-uv not given (--copier-uv PATH or COPIER_UV): its comparison was not run."]
    write_report(ROOT / "benchmarks" / "results" / "copy.md", "\n".join(lines))


if __name__ == "__main__":
    main()
