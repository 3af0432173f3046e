"""What a template checkout holds: its pattern folders, the copier choices, the fragments the platform includes.

Everything here is read from the checkout, so a new `templates/<name>/` folder is seen by the tests,
the CLI and `pattern check` without editing a list of names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..links import CACHES, PLATFORM, patterns

# `{% include "templates/" ~ pattern ~ "/_fragments/okr.yml.jinja" ignore missing %}` in a platform file
_FRAGMENT_INCLUDE = re.compile(r"""_fragments/([\w.\-]+)["']\s*(ignore missing)?""")


def templates_dir(root: Path) -> Path:
    return root / "templates"


def pattern_folders(root: Path) -> list[Path]:
    """Every pattern folder, in the order of copier.yml's choices, then any folder copier does not offer."""
    folders = {folder.name: folder for folder in patterns(templates_dir(root))}
    ordered = [name for name in copier_choices(root) if name in folders]
    return [folders[name] for name in [*ordered, *sorted(set(folders) - set(ordered))]]


def pattern_names(root: Path) -> tuple[str, ...]:
    return tuple(folder.name for folder in pattern_folders(root))


def copier_settings(root: Path) -> dict:
    """copier.yml's first document (settings and shared questions); the `!include`d rest is not needed here."""
    text = (root / "copier.yml").read_text(encoding="utf-8")
    first = re.split(r"^---\s*$", text, maxsplit=1, flags=re.MULTILINE)[0]
    return yaml.safe_load(first) or {}


def copier_choices(root: Path) -> list[str]:
    """The values of the `pattern` question's choices."""
    choices = (copier_settings(root).get("pattern") or {}).get("choices") or {}
    return [str(value) for value in (choices.values() if isinstance(choices, dict) else choices)]


@dataclass(frozen=True)
class Fragment:
    name: str
    required: bool
    included_by: str  # the first platform file that includes it (relative to the checkout)


def platform_fragments(root: Path) -> dict[str, Fragment]:
    """Every `_fragments/<name>` a platform file includes; required unless each include says `ignore missing`."""
    platform = templates_dir(root) / PLATFORM
    found: dict[str, Fragment] = {}
    for path in sorted(platform.rglob("*")):
        if not path.is_file() or CACHES & set(path.parts):
            continue
        for name, optional in _FRAGMENT_INCLUDE.findall(path.read_text(encoding="utf-8", errors="replace")):
            where = str(path.relative_to(root))
            known = found.get(name)
            required = not optional or (known is not None and known.required)
            found[name] = Fragment(name, required, known.included_by if known else where)
    return found
