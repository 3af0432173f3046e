"""`paved-roads`: the template repository's own commands."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .academy import CohortError
from .adopt import AdoptError, apply_plan, plan_adoption
from .authoring.commands import add_pattern_commands
from .fleet.commands import add_fleet_commands, add_relocate_command
from .fleet.manifest import ManifestError
from .generate import PATTERNS, AnswerError, generate
from .git_repo import DirtyTreeError, GitError
from .links import LinkError, sync_links, unreached_files
from .project_env import ProjectEnv
from .release import ReleaseError, check_release, tag_release
from .template_checkout import NoCheckoutError, resolve_template
from .update import UpdateError, update_project


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a project with defaults, install it in its own venv and run its offline demo."""
    dest: Path = args.dest.resolve()
    if dest.exists():
        if not args.force:
            print(f"error: {dest} exists; pass --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(dest)
    data = {"pattern": args.pattern}
    template = resolve_template(args.template, fallback=True)
    print(f"==> {template.describe()}")
    print(f"==> generating {args.pattern} into {dest}")
    generate(dest, template=template.root, data=data)
    env = ProjectEnv(dest)
    print("==> installing it into its own virtualenv (.venv)")
    env.install()
    slug = _slug(dest)
    print(f"==> {slug} demo")
    result = env.run(slug, "demo", check=False)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        return result.returncode
    print(f"==> {slug} audit verify")
    verified = env.run(slug, "audit", "verify", check=False)
    sys.stdout.write(verified.stdout)
    sys.stderr.write(verified.stderr)
    if verified.returncode == 0:
        print(f"\nDone. Try: cd {dest} && make test")
    return verified.returncode


def cmd_link(args: argparse.Namespace) -> int:
    """Create the symlinks that give every pattern the one platform layer."""
    template = resolve_template(args.template)
    print(template.describe())
    templates = template.root / "templates"
    report = sync_links(templates, dry_run=args.check)
    missing = unreached_files(templates) if not args.check else []
    for path in report.created:
        print(("missing link: " if args.check else "linked: ") + str(path.relative_to(template.root)))
    if missing:
        print("unreached platform files: " + ", ".join(missing), file=sys.stderr)
    return 1 if (args.check and report.created) or missing else 0


def cmd_release(args: argparse.Namespace) -> int:
    """Check that pyproject.toml, CHANGELOG.md and copier.yml agree (check), or tag the release (tag)."""
    template = resolve_template(args.template)
    print(template.describe())
    if args.action == "tag":
        print(f"tagged {tag_release(template.root)}")
        return 0
    problems = check_release(template.root)
    for problem in problems:
        print(f"release check: {problem}", file=sys.stderr)
    if not problems:
        print("ok: version, changelog and migrations agree")
    return 1 if problems else 0


def cmd_update(args: argparse.Namespace) -> int:
    """Update one generated project in place; report conflicts, skipped changes and carried renames."""
    project = args.project.resolve()
    print(f"project: {project}")
    result = update_project(project, to=args.to, use_stash=args.stash)
    body = result.markdown()
    print(body, end="")
    if args.report_md:
        args.report_md.parent.mkdir(parents=True, exist_ok=True)
        args.report_md.write_text(body)
    if args.report_json:
        import json

        args.report_json.parent.mkdir(parents=True, exist_ok=True)
        args.report_json.write_text(json.dumps(result.to_dict(), indent=2, default=str))
    return 0


def cmd_adopt(args: argparse.Namespace) -> int:
    """Bring an existing repo (hand-made, or Cookiecutter + cruft) under the template, pinned to its best match."""
    import yaml

    template = resolve_template(args.template, fallback=True)
    source = args.source or str(template.root)
    print(f"==> {template.describe()}; recorded source: {source}")
    data = {}
    for item in args.data:
        key, _, value = item.partition("=")
        if not key or not _:
            raise AdoptError(f"--data {item!r}: use KEY=VALUE")
        data[key] = yaml.safe_load(value)
    plan = plan_adoption(args.path, source=source, pattern=args.pattern, data=data, version=args.version)
    print(plan.summary())
    print(plan.diff(limit=args.diff_lines))
    if not args.yes:
        print("nothing written: rerun with --yes to apply (one commit; the repo is untouched if anything fails)")
        return 0
    commit = apply_plan(plan, use_stash=args.stash)
    print(f"adopted: commit {commit[:12]}; later updates are three-way merges from {plan.release.tag}")
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    """Pin every pattern's runtime dependencies with hashes into templates/platform/requirements.lock."""
    from .generate import TEMPLATE_ROOT
    from .locks import LOCK, write_lock

    requirements = write_lock()
    print(f"locked {len(requirements)} requirements into {LOCK.relative_to(TEMPLATE_ROOT)}")
    return 0


def cmd_dashboards(args: argparse.Namespace) -> int:
    """Build the platform's Grafana dashboard (grafana-foundation-sdk) into templates/platform/dashboards/."""
    from .dashboards import DASHBOARD, GENERATED_FROM, MissingBuilder, write

    try:
        matched = write(check=args.check)
    except MissingBuilder as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    where = DASHBOARD.relative_to(DASHBOARD.parents[3])
    if args.check and not matched:
        print(f"{where} is not what {GENERATED_FROM} builds: run `paved-roads dashboards`", file=sys.stderr)
        return 1
    print(f"{where}: {'up to date' if matched else 'written'}")
    return 0


def cmd_academy_progress(args: argparse.Namespace) -> int:
    """Which learner of a cohort passed which Foundations lab: Markdown + HTML table."""
    from .academy import cohort_progress, markdown, write_progress

    cohort, weeks, rows = cohort_progress(args.manifest, args.workdir.resolve())
    written = write_progress(cohort, weeks, rows, args.out.resolve())
    print(markdown(cohort, weeks, rows), end="")
    print("report: " + ", ".join(str(path) for path in written))
    return 1 if any(row.error for row in rows) else 0


def _slug(project: Path) -> str:
    import yaml

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers["project_slug"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paved-roads", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help=cmd_demo.__doc__)
    demo.add_argument("--pattern", default="rag-service", help=f"a pattern folder ({', '.join(PATTERNS)} here)")
    demo.add_argument("--dest", type=Path, default=Path("demo"))
    demo.add_argument("--force", action="store_true", help="replace an existing destination")
    demo.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    demo.set_defaults(func=cmd_demo)
    link = sub.add_parser("link", help=cmd_link.__doc__)
    link.add_argument("--check", action="store_true", help="only report missing links (exit 1 if any)")
    link.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    link.set_defaults(func=cmd_link)
    release = sub.add_parser("release", help=cmd_release.__doc__)
    release.add_argument("action", choices=("check", "tag"))
    release.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    release.set_defaults(func=cmd_release)
    update = sub.add_parser("update", help=cmd_update.__doc__)
    update.add_argument("project", type=Path, nargs="?", default=Path("."))
    update.add_argument("--to", help="template release to update to (default: the newest)")
    update.add_argument("--stash", action="store_true", help="set uncommitted changes aside and restore them after")
    update.add_argument("--report-md", type=Path, help="write the Markdown report (pull-request body) here")
    update.add_argument("--report-json", type=Path, help="write the JSON report here")
    update.set_defaults(func=cmd_update)
    add_fleet_commands(sub)
    add_relocate_command(sub)
    add_pattern_commands(sub)
    adopt = sub.add_parser("adopt", help=cmd_adopt.__doc__)
    adopt.add_argument("path", type=Path)
    adopt.add_argument("--pattern", choices=PATTERNS, required=True)
    adopt.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    adopt.add_argument("--source", help="template location to record (default: the checkout's path); a git URL")
    adopt.add_argument("--version", help="pin to this release instead of the best-matching one")
    adopt.add_argument("--data", action="append", default=[], help="KEY=VALUE answer (repeatable)")
    adopt.add_argument("--yes", action="store_true", help="apply the plan (default: only show it)")
    adopt.add_argument("--stash", action="store_true", help="stash uncommitted changes and restore them after")
    adopt.add_argument("--diff-lines", type=int, default=200, help="lines of the diff to show")
    adopt.set_defaults(func=cmd_adopt)
    sub.add_parser("lock", help=cmd_lock.__doc__).set_defaults(func=cmd_lock)
    academy = sub.add_parser("academy", help="the Foundations course across a cohort")
    academy_actions = academy.add_subparsers(dest="academy_command", required=True)
    progress = academy_actions.add_parser("progress", help=cmd_academy_progress.__doc__)
    progress.add_argument("--manifest", type=Path, default=Path("cohort.yml"))
    progress.add_argument("--out", type=Path, default=Path("academy-report"), help="folder for the Markdown and HTML")
    progress.add_argument("--workdir", type=Path, default=Path(".academy"), help="shallow clones of git-URL repos")
    progress.set_defaults(func=cmd_academy_progress)
    dashboards = sub.add_parser("dashboards", help=cmd_dashboards.__doc__)
    dashboards.add_argument("--check", action="store_true", help="only compare with the committed file (exit 1)")
    dashboards.set_defaults(func=cmd_dashboards)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (
        CohortError,
        AdoptError,
        AnswerError,
        LinkError,
        ManifestError,
        NoCheckoutError,
        ReleaseError,
        UpdateError,
        DirtyTreeError,
        GitError,
        FileNotFoundError,
        ValueError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
