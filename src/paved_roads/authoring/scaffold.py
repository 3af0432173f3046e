"""`paved-roads pattern new NAME --title TITLE`: a new pattern folder that works before anyone edits it.

The files come from `skeleton/` beside this module, copied with three names substituted in paths
and contents: `__PATTERN__` (the folder name, `incident-digest`), `__PATTERN_IDENT__` (the same as
an identifier, `incident_digest`) and `__PATTERN_TITLE__` (the human title). Everything else in
them (`{{ package_name }}`, `.jinja` suffixes) is left for Copier. Then every platform link is
created (`links.sync_links`) and the name is added to the choices of copier.yml's `pattern`.
"""

from __future__ import annotations

import keyword
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..links import CACHES, PLATFORM, sync_links
from .check import pattern_mentions
from .discovery import copier_choices, platform_fragments, templates_dir

SKELETON = Path(__file__).with_name("skeleton")
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
TITLE_REFUSED = re.compile(r"""["\\{}%#`\n\r\t]""")
RESERVED = frozenset({PLATFORM, "templates", "tests", "src", "extensions", "docs"})


class PatternError(ValueError):
    """A `pattern new` argument or the checkout refuses the scaffold; the message says which and why."""


@dataclass(frozen=True)
class Scaffolded:
    folder: Path
    files: list[Path]
    links: list[Path]


def substitutions(name: str, title: str) -> dict[str, str]:
    """Longest marker first, so `__PATTERN_IDENT__` is never read as `__PATTERN__` + rest."""
    return {"__PATTERN_IDENT__": name.replace("-", "_"), "__PATTERN_TITLE__": title, "__PATTERN__": name}


def validate(root: Path, name: str, title: str) -> None:
    if not NAME.match(name) or len(name) > 40:
        raise PatternError(
            f"pattern name {name!r}: lowercase letters, digits and single dashes, starting with a letter, "
            "at most 40 characters (e.g. incident-digest)"
        )
    ident = name.replace("-", "_")
    if name in RESERVED or keyword.iskeyword(ident):
        raise PatternError(f"pattern name {name!r} is reserved; pick another")
    if not title.strip() or len(title) > 60 or TITLE_REFUSED.search(title):
        raise PatternError(
            "--title: one line of at most 60 characters without quotes, backslashes, braces, %, # or backticks"
        )
    folder = templates_dir(root) / name
    if folder.exists() or folder.is_symlink():
        raise PatternError(f"templates/{name} already exists")
    if name in copier_choices(root):
        raise PatternError(f"copier.yml already offers pattern {name!r}")
    mentions = pattern_mentions(templates_dir(root) / PLATFORM, [name], relative_to=root)
    if mentions:
        where, _ = mentions[0]
        raise PatternError(
            f"the platform already says {name!r} ({where}), so `pattern check` could never pass: pick a more "
            "specific name"
        )
    missing = sorted(
        fragment.name
        for fragment in platform_fragments(root).values()
        if fragment.required and not (SKELETON / "_fragments" / f"{fragment.name}").is_file()
    )
    if missing:  # the platform grew a required fragment the skeleton does not have: a paved-roads bug
        raise PatternError(f"the skeleton lacks fragment(s) the platform requires: {', '.join(missing)}")


def scaffold(root: Path, name: str, title: str) -> Scaffolded:
    """Write templates/<name>/ from the skeleton, link the platform into it, offer it in copier.yml."""
    title = " ".join(title.split())
    validate(root, name, title)
    folder = templates_dir(root) / name
    marks = substitutions(name, title)
    files = []
    try:
        for source in sorted(SKELETON.rglob("*")):
            if source.is_dir() or CACHES & set(source.parts):
                continue
            target = folder / _substitute(str(source.relative_to(SKELETON)), marks)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_substitute(source.read_text(encoding="utf-8"), marks), encoding="utf-8")
            files.append(target)
        report = sync_links(templates_dir(root))
        add_choice(root / "copier.yml", name, title)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Scaffolded(folder, files, [link for link in report.created if folder in link.parents])


def _substitute(text: str, marks: dict[str, str]) -> str:
    for mark, value in marks.items():
        text = text.replace(mark, value)
    return text


def add_choice(copier_yml: Path, name: str, title: str) -> None:
    """Append `"<name>: <title>": <name>` to the pattern question's choices, keeping the file's comments."""
    lines = copier_yml.read_text(encoding="utf-8").splitlines(keepends=True)
    try:
        start = next(i for i, line in enumerate(lines) if line.rstrip() == "pattern:")
        choices = next(i for i in range(start + 1, len(lines)) if lines[i].strip() == "choices:")
    except StopIteration:
        raise PatternError(f"{copier_yml}: no `pattern:` question with a `choices:` mapping") from None
    indent = len(lines[choices]) - len(lines[choices].lstrip()) + 2
    last = choices
    while last + 1 < len(lines) and len(lines[last + 1]) - len(lines[last + 1].lstrip()) >= indent:
        last += 1
    label = yaml.safe_dump(f"{name}: {title}", default_style='"', width=1000).strip()
    lines.insert(last + 1, f"{' ' * indent}{label}: {name}\n")
    copier_yml.write_text("".join(lines), encoding="utf-8")
