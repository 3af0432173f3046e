"""Which template checkout a `paved-roads` command acts on: the one you are in, or `--template PATH`.

Commands used to act on the checkout paved-roads was installed from, so `paved-roads link` run in
a second clone changed the first one. Now a command that writes (link, release tag) needs a
checkout you are inside or name; read-only ones (demo) fall back to the installed checkout and
say so. Every command prints which checkout it used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

INSTALLED = Path(__file__).resolve().parents[2]


class NoCheckoutError(RuntimeError):
    """Not inside a paved-roads checkout and none was named."""


@dataclass(frozen=True)
class TemplateChoice:
    root: Path
    how: str

    def describe(self) -> str:
        return f"template: {self.root} ({self.how})"


def is_template_checkout(path: Path) -> bool:
    return (path / "copier.yml").is_file() and (path / "templates" / "platform").is_dir()


def enclosing_checkout(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if is_template_checkout(folder):
            return folder
    return None


def resolve_template(explicit: Path | None, *, cwd: Path | None = None, fallback: bool = False) -> TemplateChoice:
    """`--template PATH` if given, else the checkout enclosing `cwd`, else (read-only commands) the installed one."""
    if explicit is not None:
        root = explicit.resolve()
        if not is_template_checkout(root):
            raise NoCheckoutError(f"--template {explicit}: no copier.yml + templates/platform there")
        return TemplateChoice(root, "--template")
    here = (cwd or Path.cwd()).resolve()
    found = enclosing_checkout(here)
    if found is not None:
        return TemplateChoice(found, "the checkout you are in")
    if fallback and is_template_checkout(INSTALLED):
        return TemplateChoice(INSTALLED, "not inside a checkout: the one paved-roads is installed from")
    raise NoCheckoutError(f"{here} is not inside a paved-roads checkout; cd into one or pass --template PATH")
