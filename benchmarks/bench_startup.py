"""CLI start-up of each generated project against a bare Typer app, in one run.

Generates and installs one project per pattern (default answers), then times fresh processes:
`<slug> --help`, `<slug> ask --help` and `<slug> ask ""` (refused before any service opens: the
cost of getting to the command's first decision), beside `python bare.py --help` for a Typer app
with one command in the same interpreter. Runs alternate between commands so machine load hits
all alike. Target: `--help` and `ask` start in <= 0.5 s.

    .venv/bin/python benchmarks/bench_startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from report_file import write_report

from paved_roads.generate import PATTERNS, generate
from paved_roads.project_env import ProjectEnv

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
BARE_APP = '''import typer

app = typer.Typer(add_completion=False)


@app.command()
def ask(question: str) -> None:
    """Ask one question."""
    typer.echo(question)


if __name__ == "__main__":
    app()
'''


def seconds(command: list[str], cwd: Path) -> float:
    env = {key: value for key, value in os.environ.items() if not key.startswith("VIRTUAL_ENV")}
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        commands: dict[str, tuple[list[str], Path]] = {}
        python = None
        for pattern in PATTERNS:
            project = generate(Path(folder) / pattern, data={"pattern": pattern})
            env = ProjectEnv(project)
            env.install()
            # uv installs without bytecode (and this machine sets PYTHONDONTWRITEBYTECODE); pip, which `make setup`
            # uses, compiles it at install. Time what users run.
            compile_all = [str(env.bin / "python"), "-m", "compileall", "-q", str(env.venv), str(project / "src")]
            subprocess.run(compile_all, capture_output=True, check=False)
            slug = pattern  # the default project slug is the pattern name
            python = env.bin / "python"
            commands[f"{pattern}: --help"] = ([str(env.bin / slug), "--help"], project)
            ask = subprocess.run([str(env.bin / slug), "ask", "--help"], capture_output=True, cwd=project)
            if ask.returncode == 0:
                commands[f"{pattern}: ask --help"] = ([str(env.bin / slug), "ask", "--help"], project)
                commands[f'{pattern}: ask "" (refused)'] = ([str(env.bin / slug), "ask", ""], project)
        bare = Path(folder) / "bare.py"
        bare.write_text(BARE_APP)
        subprocess.run([str(python), "-m", "compileall", "-q", str(bare)], capture_output=True)
        commands["bare Typer app: --help"] = ([str(python), str(bare), "--help"], Path(folder))
        for command, cwd in commands.values():  # warm the file cache once
            seconds(command, cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, cwd) in commands.items():
                times[name].append(seconds(command, cwd))
    medians = {name: statistics.median(values) for name, values in times.items()}
    bare_s = medians["bare Typer app: --help"]
    lines = [
        f"CLI start-up, median of {args.runs} interleaved runs, fresh process each ({os.cpu_count()} cores)",
        "",
        "| command | median s | vs bare Typer | target <= 0.5 s |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, value in medians.items():
        verdict = "" if name.startswith("bare") else ("met" if value <= TARGET_S else "MISSED")
        lines.append(f"| {name} | {value:.3f} | {value / bare_s:.1f}x | {verdict} |")
    write_report(ROOT / "benchmarks" / "results" / "startup.md", "\n".join(lines))


if __name__ == "__main__":
    main()
