"""The `pattern new` and `pattern check` subcommands: argument handling and terminal output only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..template_checkout import resolve_template
from .check import check_patterns
from .discovery import pattern_names
from .scaffold import scaffold


def cmd_pattern_new(args: argparse.Namespace) -> int:
    """Scaffold templates/NAME/: questions, fragments, a working pattern package, evals, tests, platform links."""
    template = resolve_template(args.template)
    print(template.describe())
    made = scaffold(template.root, args.name, args.title)
    folder = made.folder.relative_to(template.root)
    print(f"created {folder}: {len(made.files)} files, {len(made.links)} platform links")
    print(f"added {args.name!r} to the pattern choices in copier.yml")
    problems = check_patterns(template.root, [args.name])
    for problem in problems:
        print(problem.line(), file=sys.stderr)
    if problems:
        return 1
    print(
        "next:\n"
        f"  paved-roads pattern check {args.name}\n"
        f"  paved-roads demo --pattern {args.name} --dest /tmp/{args.name} --force\n"
        f"  pytest tests -k {args.name}   # the render matrix, update, gate and API fuzz tests pick it up"
    )
    return 0


def cmd_pattern_check(args: argparse.Namespace) -> int:
    """One line per problem: missing link, copied platform file, missing fragment or hook, dataset without
    provenance, platform file naming a pattern, pattern not offered by copier.yml; exit 1 on any."""
    template = resolve_template(args.template, fallback=True)
    print(template.describe())
    names = [args.name] if args.name else None
    problems = check_patterns(template.root, names)
    for problem in problems:
        print(problem.line())
    checked = names or list(pattern_names(template.root))
    if problems:
        print(f"pattern check: {len(problems)} problem(s) in {', '.join(checked)}", file=sys.stderr)
        return 1
    print(f"ok: {', '.join(checked)} keep the platform contract")
    return 0


def add_pattern_commands(sub: argparse._SubParsersAction) -> None:
    pattern = sub.add_parser("pattern", help="Add an intelligence pattern, or check that each keeps the contract")
    actions = pattern.add_subparsers(dest="pattern_command", required=True)
    new = actions.add_parser("new", help=cmd_pattern_new.__doc__)
    new.add_argument("name", help="folder and copier choice, e.g. incident-digest")
    new.add_argument("--title", required=True, help='one line shown in the copier choice, e.g. "Incident digests"')
    new.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    new.set_defaults(func=cmd_pattern_new)
    check = actions.add_parser("check", help=cmd_pattern_check.__doc__)
    check.add_argument("name", nargs="?", help="one pattern (default: every pattern folder)")
    check.add_argument("--template", type=Path, help="template checkout (default: the one you are in)")
    check.set_defaults(func=cmd_pattern_check)
