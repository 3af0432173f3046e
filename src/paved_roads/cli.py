"""`paved-roads`: the template repository's own commands."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .generate import PATTERNS, TEMPLATE_ROOT, AnswerError, generate
from .links import LinkError, sync_links, unreached_files
from .project_env import ProjectEnv


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a project with defaults, install it in its own venv and run its offline demo."""
    dest: Path = args.dest.resolve()
    if dest.exists():
        if not args.force:
            print(f"error: {dest} exists; pass --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(dest)
    data = {"pattern": args.pattern}
    print(f"==> generating {args.pattern} into {dest}")
    generate(dest, data=data)
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
    templates = TEMPLATE_ROOT / "templates"
    report = sync_links(templates, dry_run=args.check)
    missing = unreached_files(templates) if not args.check else []
    for path in report.created:
        print(("missing link: " if args.check else "linked: ") + str(path.relative_to(TEMPLATE_ROOT)))
    if missing:
        print("unreached platform files: " + ", ".join(missing), file=sys.stderr)
    return 1 if (args.check and report.created) or missing else 0


def _slug(project: Path) -> str:
    import yaml

    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    return answers["project_slug"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paved-roads", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help=cmd_demo.__doc__)
    demo.add_argument("--pattern", choices=PATTERNS, default="rag-service")
    demo.add_argument("--dest", type=Path, default=Path("demo"))
    demo.add_argument("--force", action="store_true", help="replace an existing destination")
    demo.set_defaults(func=cmd_demo)
    link = sub.add_parser("link", help=cmd_link.__doc__)
    link.add_argument("--check", action="store_true", help="only report missing links (exit 1 if any)")
    link.set_defaults(func=cmd_link)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (AnswerError, LinkError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
