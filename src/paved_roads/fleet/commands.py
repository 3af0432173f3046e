"""The `fleet` and `drift` subcommands: argument handling and terminal output only."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..drift import drift
from .engine import Options, RepoOutcome, run_fleet
from .manifest import load_manifest, parse_shard, shard
from .report import build_report, merge_reports, write_report
from .status import fleet_status, status_rows


def cmd_fleet_update(args: argparse.Namespace) -> int:
    """Update every repo of the manifest on a new branch in its own working copy; report each outcome."""
    repos = load_manifest(args.manifest)
    shard_label = None
    if args.shard:
        index, count = parse_shard(args.shard)
        repos, shard_label = shard(repos, index, count), f"shard {index}/{count}"
    workdir = args.workdir.resolve()
    if args.fresh:
        for repo in repos:
            (workdir / "state" / f"{repo.name}.json").unlink(missing_ok=True)
    options = Options(
        workdir=workdir,
        to=args.to,
        push=args.push,
        stash=args.stash,
        pull_request=args.pr,
        run_checks=not args.no_check,
    )
    print(f"fleet: {len(repos)} repos{' (' + shard_label + ')' if shard_label else ''}, working copies in {workdir}")
    if not args.push:
        print("fleet: nothing is pushed (pass --push to push the update branches)")
    results = _run_with_progress(repos, options, args.jobs)
    report = build_report(results, shard=shard_label, to=args.to)
    written = write_report(report, (args.report or workdir / "report").resolve())
    print("fleet: " + ", ".join(f"{n} {o}" for o, n in report["counts"].items() if n))
    print("report: " + ", ".join(str(p) for p in written))
    return 1 if report["counts"]["error"] else 0


def _run_with_progress(repos, options: Options, jobs: int) -> list[RepoOutcome]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:

        def line(outcome: RepoOutcome, done: int, total: int) -> None:
            resumed = " (from an earlier run)" if outcome.resumed else ""
            print(f"[{done}/{total}] {outcome.name}: {outcome.outcome}{resumed} {outcome.summary}", flush=True)

        return run_fleet(repos, options, jobs=jobs, on_done=line)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("fleet update", total=len(repos))

        def advance(outcome: RepoOutcome, done: int, total: int) -> None:
            progress.update(task, completed=done, description=f"{outcome.name}: {outcome.outcome}")
            progress.console.print(f"{outcome.name}: [bold]{outcome.outcome}[/bold] {outcome.summary}")

        return run_fleet(repos, options, jobs=jobs, on_done=advance)


def cmd_fleet_status(args: argparse.Namespace) -> int:
    """Template version, releases behind (and allowed), tier and last gate result per repo."""
    statuses = fleet_status(load_manifest(args.manifest), args.workdir.resolve())
    rows = status_rows(statuses)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        header = ("repo", "version", "behind", "allowed", "tier", "drift", "last update", "last gate")
        table = [header] + [
            (
                r["name"],
                str(r["template_version"]),
                str(r["versions_behind"]),
                str(r["allowed_behind"]),
                str(r["tier"]),
                r["error"] or r["drift"],
                str(r["last_update"] or "-"),
                str(r["last_gate"] or "-"),
            )
            for r in rows
        ]
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        for row in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 1 if any(s.drift == "too far behind" or s.error for s in statuses) else 0


def cmd_fleet_scorecard(args: argparse.Namespace) -> int:
    """Portfolio scorecard: rubric scores, prune candidates and reuse per repo; HTML with charts, Markdown, CSV."""
    from .scorecard import build_scorecard
    from .scorecard_report import to_markdown, write_scorecard

    repos = load_manifest(args.manifest)
    scorecard = build_scorecard(repos, args.workdir.resolve(), weeks=args.weeks, template=args.template)
    written = write_scorecard(scorecard, args.out.resolve())
    print(to_markdown(scorecard), end="")
    print("report: " + ", ".join(str(p) for p in written))
    return 0


def cmd_fleet_report(args: argparse.Namespace) -> int:
    """Merge the JSON reports of several shards into one JSON + Markdown + HTML report."""
    report = merge_reports(args.reports)
    written = write_report(report, args.out.resolve())
    print("report: " + ", ".join(str(p) for p in written))
    return 1 if report["counts"]["error"] else 0


def cmd_drift(args: argparse.Namespace) -> int:
    """How far the project is behind its template, against its tier's limit; skipped template changes."""
    result = drift(args.project, preview=not args.no_preview)
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for level, text in result.lines():
        print(f"::{level}::{text}" if annotate else f"{level}: {text}", file=sys.stderr if level == "error" else None)
    return 1 if result.verdict == "too-far" else 0


def add_fleet_commands(sub: argparse._SubParsersAction) -> None:
    fleet = sub.add_parser("fleet", help="update and inspect every generated project of a manifest")
    actions = fleet.add_subparsers(dest="fleet_command", required=True)
    update = actions.add_parser("update", help=cmd_fleet_update.__doc__)
    update.add_argument("--manifest", type=Path, default=Path("fleet.yml"))
    update.add_argument("--to", help="template release (default: each repo's newest)")
    update.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="repos updated at once")
    update.add_argument("--push", action="store_true", help="push each update branch to the repo (never by default)")
    update.add_argument("--pr", action="store_true", help="with --push: open a pull request with the GitHub CLI")
    update.add_argument("--shard", help="i/n: only this shard of the manifest (for a CI job matrix)")
    update.add_argument("--workdir", type=Path, default=Path(".fleet"), help="working copies, state, report")
    update.add_argument("--report", type=Path, help="report folder (default: <workdir>/report)")
    update.add_argument("--stash", action="store_true", help="stash uncommitted changes of local checkouts")
    update.add_argument("--no-check", action="store_true", help="do not run the repos' checks after updating")
    update.add_argument("--fresh", action="store_true", help="ignore outcomes recorded by an earlier run")
    update.set_defaults(func=cmd_fleet_update)
    status = actions.add_parser("status", help=cmd_fleet_status.__doc__)
    status.add_argument("--manifest", type=Path, default=Path("fleet.yml"))
    status.add_argument("--workdir", type=Path, default=Path(".fleet"))
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_fleet_status)
    scorecard = actions.add_parser("scorecard", help=cmd_fleet_scorecard.__doc__)
    scorecard.add_argument("--manifest", type=Path, default=Path("fleet.yml"))
    scorecard.add_argument("--workdir", type=Path, default=Path(".fleet"), help="clones of git-URL repos")
    scorecard.add_argument("--out", type=Path, default=Path("scorecard"), help="folder for HTML, Markdown, CSV")
    scorecard.add_argument("--weeks", type=int, default=6, help="window of the eval-trend and OKR rules")
    scorecard.add_argument(
        "--template",
        help="template repo whose Fed-back-from trailers count as reuse (default: each repo's recorded template)",
    )
    scorecard.set_defaults(func=cmd_fleet_scorecard)
    report = actions.add_parser("report", help=cmd_fleet_report.__doc__)
    report.add_argument("reports", type=Path, nargs="+")
    report.add_argument("--out", type=Path, default=Path("fleet-report"))
    report.set_defaults(func=cmd_fleet_report)
    drift_cmd = sub.add_parser("drift", help=cmd_drift.__doc__)
    drift_cmd.add_argument("project", type=Path, nargs="?", default=Path("."))
    drift_cmd.add_argument("--no-preview", action="store_true", help="do not render what the next update skips")
    drift_cmd.set_defaults(func=cmd_drift)


def cmd_relocate(args: argparse.Namespace) -> int:
    """Point projects (paths, or every repo of --manifest) at a new template location; commits the change."""
    import subprocess

    from ..relocate import RelocateError, relocate_project

    targets: list[tuple[str, Path, bool]] = [(str(p), p, True) for p in args.projects]
    if args.manifest:
        for repo in load_manifest(args.manifest):
            if repo.is_local:
                targets.append((repo.name, Path(repo.url), True))
            else:
                copy = args.workdir.resolve() / "relocate" / repo.name
                subprocess.run(["rm", "-rf", str(copy)], check=True)
                subprocess.run(["git", "clone", "--quiet", "--branch", repo.branch, repo.url, str(copy)], check=True)
                targets.append((repo.name, copy, False))
    if not targets:
        print("error: name projects or pass --manifest", file=sys.stderr)
        return 2
    failed = 0
    for name, path, in_place in targets:
        try:
            old = relocate_project(path, args.new_source, use_stash=args.stash)
        except (RelocateError, FileNotFoundError, ValueError) as error:
            print(f"{name}: error: {error}", file=sys.stderr)
            failed += 1
            continue
        where = "committed" if in_place else f"committed in {path}"
        if not in_place and args.push:
            from ..git_repo import git

            git(path, "push", "--quiet", "origin", f"HEAD:{args.branch}")
            where = f"pushed to {args.branch}"
        print(f"{name}: {old} -> {args.new_source} ({where})")
    return 1 if failed else 0


def add_relocate_command(sub: argparse._SubParsersAction) -> None:
    relocate = sub.add_parser("relocate", help=cmd_relocate.__doc__)
    relocate.add_argument("new_source", help="the template's new git URL (or absolute path)")
    relocate.add_argument("projects", type=Path, nargs="*", help="project checkouts to move")
    relocate.add_argument("--manifest", type=Path, help="move every repo of this fleet manifest")
    relocate.add_argument("--workdir", type=Path, default=Path(".fleet"), help="working copies for git-URL repos")
    relocate.add_argument("--push", action="store_true", help="push git-URL repos' change (never by default)")
    relocate.add_argument("--branch", default="paved-roads/relocate", help="branch pushed with --push")
    relocate.add_argument("--stash", action="store_true", help="stash uncommitted changes and restore them after")
    relocate.set_defaults(func=cmd_relocate)
