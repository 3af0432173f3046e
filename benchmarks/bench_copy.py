"""Time `copier copy` of each pattern against a trivial one-file template and pawamoy/copier-uv, in one run.

All go through the same CLI in a fresh process, so Copier's import time is in every number and
the ratios show what our templates add. Targets: <= 2 s per pattern, <= 1.5x copier-uv (a popular
template of similar scope). Runs alternate between templates so machine load hits all alike.

Both git templates are copied the way a user has them: from a clone (packed objects), at its HEAD.
copier-uv is read from a git checkout or bare repository given by `--copier-uv PATH` (or
`COPIER_UV`) and cloned to a temporary folder at run time: none of its files are kept in this
repository. This repository is cloned the same way from its committed HEAD; one more row copies
rag-service straight from this working checkout, whose thousands of loose git objects Copier
hard-links into its own temporary clone and deletes again (a maintainer's case, not a user's).

`--profile` adds where the time goes inside Copier for one in-process copy of each template,
measured with perf_counter around Copier's own steps (per-file `git` call, rendering path
names, rendering and writing contents, cloning the template and deleting the clone, questions).

    .venv/bin/python benchmarks/bench_copy.py --copier-uv /path/to/copier-uv[.git] [--runs 7] [--profile]
    other-venv/bin/python benchmarks/bench_copy.py --copier-uv ... --report copy_copier_9_14.md  # another Copier
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property, wraps
from pathlib import Path
from typing import Any

from report_file import write_report

ROOT = Path(__file__).resolve().parents[1]
PATTERNS = ("rag-service", "approval-workflow", "copilot-evidence")
FROM_CHECKOUT = "rag-service, from this working checkout"


def trivial_template(folder: Path) -> Path:
    folder.mkdir()
    (folder / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    (folder / "README.md.jinja").write_text("# {{ name }}\n")
    return folder


def clone(source: Path, target: Path) -> Path:
    """A working clone of `source` (a checkout or a bare repository), packed as a clone from a remote is."""
    subprocess.run(["git", "clone", "-q", "--no-local", str(source), str(target)], check=True, capture_output=True)
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


class StepClock:
    """Seconds spent in named Copier steps during one in-process copy (perf_counter, not a sampling profiler)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def wrap(self, step: str, function: Callable[..., Any], *, generator: bool = False) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = function(*args, **kwargs)
                return list(result) if generator else result
            finally:
                self.seconds[step] += time.perf_counter() - start
                self.calls[step] += 1

        return timed


@contextmanager
def clocked_copier(clock: StepClock) -> Iterator[None]:
    """Copier's Worker and Template with timing around the steps the profile reports; restored after."""
    from copier._main import Worker
    from copier._template import Template

    originals = {
        (Worker, "_sync_git_index_executable_bit"): Worker._sync_git_index_executable_bit,
        (Worker, "_render_path"): Worker._render_path,
        (Worker, "_render_file"): Worker._render_file,
        (Worker, "_ask"): Worker._ask,
        (Template, "_cleanup"): Template._cleanup,
        (Template, "local_abspath"): Template.__dict__["local_abspath"],
    }
    Worker._sync_git_index_executable_bit = clock.wrap("git call per file", Worker._sync_git_index_executable_bit)
    Worker._render_path = clock.wrap("path names", Worker._render_path, generator=True)
    Worker._render_file = clock.wrap("file (contents + git call)", Worker._render_file)
    Worker._ask = clock.wrap("questions", Worker._ask)
    Template._cleanup = clock.wrap("delete template clone", Template._cleanup)
    clone_property = cached_property(clock.wrap("clone template", Template.__dict__["local_abspath"].func))
    clone_property.__set_name__(Template, "local_abspath")
    Template.local_abspath = clone_property
    try:
        yield
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


def profile_once(template: Path, data: list[str]) -> tuple[float, StepClock]:
    from copier import run_copy

    clock = StepClock()
    answers = dict(item.split("=", 1) for item in data)
    vcs_ref = "HEAD" if (template / ".git").exists() else None
    with tempfile.TemporaryDirectory() as out, clocked_copier(clock):
        start = time.perf_counter()
        run_copy(str(template), out, data=answers, defaults=True, unsafe=True, quiet=True, vcs_ref=vcs_ref)
        total = time.perf_counter() - start
    return total, clock


def profile_lines(templates: dict[str, tuple[Path, list[str]]]) -> list[str]:
    rows = []
    for name, (template, data) in templates.items():
        if name == "trivial one-file template":
            continue
        total, clock = profile_once(template, data)
        s = clock.seconds
        contents = s["file (contents + git call)"] - s["git call per file"]
        clone_s = s["clone template"] + s["delete template clone"]
        other = total - s["git call per file"] - s["path names"] - contents - clone_s - s["questions"]
        rows.append(
            f"| {name} | {clock.calls['file (contents + git call)']} | {total:.2f} | {s['git call per file']:.2f} "
            f"| {s['path names']:.2f} | {contents:.2f} | {clone_s:.2f} | {s['questions']:.2f} | {other:.2f} |"
        )
    return [
        "",
        "Where the time goes, one in-process copy each (seconds; Copier's import and Python start-up not included):",
        "",
        "| template | files | total | git call per file | path names | contents | clone + delete template "
        "| questions | other |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--copier-uv", type=Path, default=os.environ.get("COPIER_UV"), help="copier-uv git repo")
    parser.add_argument("--profile", action="store_true", help="also report where the time goes inside Copier")
    parser.add_argument("--report", default="copy.md", help="file name under benchmarks/results/")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        templates: dict[str, tuple[Path, list[str]]] = {
            "trivial one-file template": (trivial_template(Path(folder) / "trivial"), []),
        }
        if args.copier_uv:
            uv = clone(args.copier_uv, Path(folder) / "copier-uv")
            templates["pawamoy/copier-uv"] = (uv, ["project_name=Demo", "project_description=A demo"])
        ours = clone(ROOT, Path(folder) / "paved-roads")
        for pattern in PATTERNS:
            templates[pattern] = (ours, [f"pattern={pattern}"])
        templates[FROM_CHECKOUT] = (ROOT, ["pattern=rag-service"])
        times: dict[str, list[float]] = {name: [] for name in templates}
        for _ in range(args.runs):  # interleaved: one run of every template per round
            for name, (template, data) in templates.items():
                times[name].append(copy_once(template, data))
        profile = profile_lines(templates) if args.profile else []
    medians = {name: statistics.median(values) for name, values in times.items()}
    trivial, uv = medians["trivial one-file template"], medians.get("pawamoy/copier-uv")
    lines = [
        f"copier copy, median of {args.runs} interleaved runs, fresh process each ({os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end)",
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
    import copier

    lines[0] += f", Copier {copier.__version__}"
    write_report(ROOT / "benchmarks" / "results" / args.report, "\n".join(lines + profile))


if __name__ == "__main__":
    main()
