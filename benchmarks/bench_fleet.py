"""A 20-repo fleet update: `paved-roads fleet update --jobs N` vs a serial shell loop of `copier update`.

Same run, same fleet: nine projects (three patterns x three tiers) generated from a tagged
snapshot of this checkout at v1.0.0 and copied into 20 repos with the team's edits (one edits the
lines the release changes, one deleted a platform file the release changes), then release v1.1.0.
Each round copies the fleet twice (`cp -a`) and updates one copy each way; the loop is exactly

    for repo in repos/*; do (cd "$repo" && copier update --trust --defaults --vcs-ref v1.1.0); done

and the fleet command runs without checks (the loop has none), so both do the same updates. Then
every repo's files are compared: identical outcomes means identical trees, except the
`.copier-skipped.yml` record the fleet command adds for the skipped change. Target: >= 1.8x on 2 cores.

    .venv/bin/python benchmarks/bench_fleet.py [--rounds 3] [--jobs 2]
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
from report_file import write_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from fleet.real_fleet import V2, append, build_bases, make_repo  # noqa: E402

from paved_roads.render import read_tree  # noqa: E402
from paved_roads.update import has_markers  # noqa: E402

IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@paved-roads.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@paved-roads.invalid",
}


def build_fleet(root: Path) -> tuple[Path, list[str]]:
    bases = build_bases(ROOT, root)
    repos = root / "fleet"
    names = []

    def add(name: str, base: Path, edit=None) -> None:
        make_repo(base, repos / name, edit)
        names.append(name)

    for (pattern, tier), base in bases.v1.items():
        add(f"{pattern}-{tier}", base, lambda p: append(p / "README.md", "\n## Runbook\nPage the on-call.\n"))
        add(f"{pattern}-{tier}-notes", base, lambda p: (p / "docs" / "team.md").write_text("# Team\n"))
    add(
        "conflicting",
        bases.v1[("rag-service", "medium")],
        lambda p: (p / "policies/waivers.yml").write_text(
            (p / "policies/waivers.yml").read_text().replace("owner: platform-security\n", "owner: ours\n")
        ),
    )
    add(
        "deleted-platform-file",
        bases.v1[("copilot-evidence", "high")],
        lambda p: (p / "policies/denied_terms.yml").unlink(),
    )
    return repos, names


def shell_loop(repos: Path) -> float:
    copier = Path(sys.executable).parent / "copier"
    script = (
        f'for repo in {repos}/*; do (cd "$repo" && {copier} update --trust --defaults --quiet --vcs-ref {V2}); done'
    )
    start = time.perf_counter()
    subprocess.run(["bash", "-c", script], check=True, capture_output=True)
    return time.perf_counter() - start


def fleet_update(repos: Path, names: list[str], work: Path, jobs: int) -> float:
    manifest = work / "fleet.yml"
    manifest.write_text(
        yaml.safe_dump({"defaults": {"check": []}, "repos": [{"name": n, "url": str(repos / n)} for n in names]})
    )
    command = [str(Path(sys.executable).parent / "paved-roads"), "fleet", "update", "--manifest", str(manifest)]
    command += ["--jobs", str(jobs), "--to", V2, "--workdir", str(work / "work"), "--no-check"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def outcome_of_tree(files: dict[str, bytes], before: dict[str, bytes]) -> str:
    if any(has_markers(c) for c in files.values()) or any(p.endswith(".rej") for p in files):
        return "conflicts"
    return "up-to-date" if files == before else "updated"


def compare(loop_repos: Path, work: Path, names: list[str], pristine: Path) -> tuple[list[str], dict[str, str]]:
    import json

    report = json.loads((work / "work" / "report" / "fleet-report.json").read_text())
    fleet_outcomes = {r["name"]: r for r in report["repos"]}
    differences, outcomes = [], {}
    for name in names:
        loop_tree = read_tree(loop_repos / name)
        fleet_tree = read_tree(Path(fleet_outcomes[name]["working_copy"]))
        fleet_tree.pop(".copier-skipped.yml", None)
        if loop_tree != fleet_tree:
            differing = sorted(p for p in set(loop_tree) | set(fleet_tree) if loop_tree.get(p) != fleet_tree.get(p))
            differences.append(f"{name}: {', '.join(differing[:5])}")
        loop_outcome = outcome_of_tree(loop_tree, read_tree(pristine / name))
        outcomes[name] = f"{loop_outcome} / {fleet_outcomes[name]['outcome']}"
    return differences, outcomes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    os.environ.update({k: os.environ.get(k, v) for k, v in IDENTITY.items()})
    loop_times, fleet_times, rows = [], [], []
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        root = Path(tmp)
        pristine, names = build_fleet(root / "build")
        for round_number in range(args.rounds):
            run = root / f"round-{round_number}"
            loop_repos, fleet_repos = run / "loop", run / "fleet"
            run.mkdir()
            for target in (loop_repos, fleet_repos):
                subprocess.run(["cp", "-a", str(pristine), str(target)], check=True)
            # alternate which goes first so neither always meets a warm page cache
            if round_number % 2:
                fleet_times.append(fleet_update(fleet_repos, names, run, args.jobs))
                loop_times.append(shell_loop(loop_repos))
            else:
                loop_times.append(shell_loop(loop_repos))
                fleet_times.append(fleet_update(fleet_repos, names, run, args.jobs))
            differences, outcomes = compare(loop_repos, run, names, pristine)
            rows.append((loop_times[-1], fleet_times[-1], differences, outcomes))
            shutil.rmtree(run)
    loop_median, fleet_median = statistics.median(loop_times), statistics.median(fleet_times)
    ratio = loop_median / fleet_median
    differences, outcomes = rows[-1][2], rows[-1][3]
    lines = [
        "# Fleet update: `paved-roads fleet update` vs a serial shell loop of `copier update`",
        "",
        f"{len(names)} repos (3 patterns x 3 tiers, team edits, one conflicting, one with a deleted platform file), "
        f"v1.0.0 -> {V2}, {os.cpu_count()} cores, {args.rounds} rounds, `--jobs {args.jobs}`, no checks either side.",
        "",
        "| round | shell loop s | fleet update s | speed-up |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for index, (loop, fleet, _, _) in enumerate(rows, 1):
        lines.append(f"| {index} | {loop:.1f} | {fleet:.1f} | {loop / fleet:.2f}x |")
    lines += [
        f"| median | {loop_median:.1f} | {fleet_median:.1f} | **{ratio:.2f}x** |",
        "",
        f"Target >= 1.8x: **{'met' if ratio >= 1.8 else 'missed'}**.",
        "",
        "Outcomes (shell loop, classified from its tree / fleet update):",
        "",
        *[f"- {name}: {outcome}" for name, outcome in sorted(outcomes.items())],
        "",
        "Trees identical in every round: "
        + ("yes" if not any(r[2] for r in rows) else "NO: " + "; ".join(differences)),
        "The loop reports nothing for `deleted-platform-file` (its change is dropped in silence); "
        "the fleet update reports it as skipped-deleted and records it in `.copier-skipped.yml`.",
    ]
    write_report(ROOT / "benchmarks" / "results" / "fleet.md", "\n".join(lines))


if __name__ == "__main__":
    main()
