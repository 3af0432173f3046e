"""Edits to a synthetic template and to a project generated from it, and the checks an update must pass.

Each operation writes unique marker lines, so after an update the checks can tell, file by file,
whether a local edit survived and whether a template change arrived or was reported.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from controls.projects import git

from paved_roads.render import read_tree
from paved_roads.update import UpdateResult, has_markers

from .synthetic import PATTERN_FILES, PATTERNS, PLATFORM_FILES, PLATFORM_LINKS

PACKAGE = "demo"
LINKED_SOURCES = ("core.py", "gate.py", "audit.py")  # platform files each pattern links one by one
TEMPLATE_ADDS = ("platform/policies/added.yml", "PATTERN/extra.py", "PATTERN/src/{{ package }}/added.py")
LOCAL_ADDS = ("policies/added.yml", "extra.py", "notes.md")


def rendered(source: str) -> str:
    """Project path of a template source path (`platform/...` or `PATTERN/...`)."""
    rel = source.split("/", 1)[1]
    return rel.replace("{{ package }}", PACKAGE).removesuffix(".jinja")


def template_sources() -> list[str]:
    return [*PLATFORM_FILES, *(f"PATTERN/{name}" for name in PATTERN_FILES)]


def project_files() -> list[str]:
    return sorted({rendered(s) for s in template_sources()})


def _renamed(path: str, suffix: str) -> str:
    head, dot, ext = path.rpartition(".")
    if path.endswith(".jinja"):
        return _renamed(path.removesuffix(".jinja"), suffix) + ".jinja"
    return f"{head}{suffix}.{ext}" if dot else path + suffix


@dataclass
class Expectations:
    local_markers: list[str] = field(default_factory=list)
    template_markers: dict[str, str] = field(default_factory=dict)  # marker -> project path it was written to
    template_new_paths: list[str] = field(default_factory=list)


def _edit(text: str, line: int, replace: bool, marker: str) -> str:
    lines = text.splitlines(keepends=True)
    line = min(line, len(lines) - 1)
    new = f"{marker} changed this line\n"
    if replace:
        lines[line] = new
    else:
        lines.insert(line + 1, new)
    return "".join(lines)


def _pattern_path(source: str, pattern: str) -> str:
    return source.replace("PATTERN/", f"{pattern}/", 1)


def apply_template_ops(template: Path, ops: list[tuple], tag: str, expect: Expectations) -> None:
    """Apply (kind, source, line, replace) ops to the template at 1.0.0, commit and tag `tag`."""
    git(template, "checkout", "-q", "-f", "--detach", "1.0.0")
    git(template, "clean", "-q", "-fd")
    root = template / "templates"
    for index, (kind, source, line, replace) in enumerate(ops):
        marker = f"TEMPLATE-{tag}-{index}"
        targets = [_pattern_path(source, p) for p in PATTERNS] if source.startswith("PATTERN/") else [source]
        if kind == "add":
            for target in targets:
                path = root / target
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(f"{marker} a new template file\n")
            expect.template_markers[marker] = rendered(source)
            expect.template_new_paths.append(rendered(source))
            continue
        for target in targets:
            path = root / target
            if kind == "edit":
                path.write_text(_edit(path.read_text(), line, replace, marker))
            elif kind == "delete":
                path.unlink()
                _relink(root, target, None)
            elif kind == "rename":
                new = _renamed(target, "_renamed")
                path.rename(root / new)
                _relink(root, target, new)
        if kind == "edit":
            expect.template_markers[marker] = rendered(source)
        elif kind == "rename":
            expect.template_new_paths.append(rendered(_renamed(source, "_renamed")))
    for pattern in PATTERNS:  # a platform folder emptied by deletes takes its links with it
        for name in PLATFORM_LINKS:
            link = root / pattern / name
            if link.is_symlink() and not any(f.is_file() for f in link.resolve().rglob("*")):
                link.unlink()  # git keeps no empty folder: the link would dangle
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", f"template {tag}")
    git(template, "tag", tag)


def _relink(root: Path, platform_source: str, new: str | None) -> None:
    """Platform files linked one by one into each pattern follow a rename or delete (`paved-roads link`)."""
    name = platform_source.rsplit("/", 1)[-1]
    if not platform_source.startswith("platform/src/") or name not in LINKED_SOURCES:
        return
    for pattern in PATTERNS:
        link = root / pattern / "src" / "{{ package }}" / name
        link.unlink()
        if new is not None:
            new_name = new.rsplit("/", 1)[-1]
            (link.parent / new_name).symlink_to(f"../../../platform/src/{{{{ package }}}}/{new_name}")


def apply_local_ops(project: Path, ops: list[tuple], expect: Expectations) -> None:
    """Apply (kind, path, line, replace) ops to a project and commit them."""
    for index, (kind, path, line, replace) in enumerate(ops):
        marker = f"LOCAL-{index}"
        file = project / path
        if kind == "add":
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(f"{marker} a file the team added\n")
            expect.local_markers.append(marker)
        elif kind == "edit":
            file.write_text(_edit(file.read_text(), line, replace, marker))
            expect.local_markers.append(marker)
        elif kind == "delete":
            file.unlink()
        elif kind == "rename":
            moved = project / _renamed(path, "_moved")
            text = file.read_text()
            moved.write_text(_edit(text, line, False, marker) if replace else text)
            file.unlink()
            if replace:
                expect.local_markers.append(marker)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "local edits")


def check_update(project: Path, result: UpdateResult, expect: Expectations) -> list[str]:
    """Every way the update could have lost an edit or kept something from the team; empty when none."""
    tree = {p: c for p, c in read_tree(project).items() if not p.endswith(".rej")}
    text = "\n".join(c.decode(errors="replace") for c in tree.values())
    problems = []
    for marker in expect.local_markers:
        if marker not in text:
            problems.append(f"local edit {marker} lost")
    skipped = {n.path for n in result.skipped}
    conflicts = {n.path for n in result.conflicts}
    for marker, path in expect.template_markers.items():
        if marker not in text and path not in skipped:
            problems.append(f"template change {marker} to {path} neither applied nor reported as skipped")
    for path in expect.template_new_paths:
        if path not in tree:
            problems.append(f"template's new file {path} missing")
    for path, content in tree.items():
        if has_markers(content) and path not in conflicts:
            problems.append(f"{path} has conflict markers but is not reported")
    for rej in project.rglob("*.rej"):
        rel = rej.relative_to(project).as_posix()
        if rel not in conflicts:
            problems.append(f"{rel} not reported")
    for path in skipped:
        if path in tree:
            problems.append(f"{path} reported skipped but exists")
    expected_outcome = "conflicts" if conflicts else "skipped-deleted" if skipped else "updated"
    if result.outcome != expected_outcome:
        problems.append(f"outcome {result.outcome}, expected {expected_outcome}")
    return problems


def git_env() -> None:
    for key, value in {
        "GIT_AUTHOR_NAME": "scenario",
        "GIT_AUTHOR_EMAIL": "scenario@paved-roads.invalid",
        "GIT_COMMITTER_NAME": "scenario",
        "GIT_COMMITTER_EMAIL": "scenario@paved-roads.invalid",
    }.items():
        os.environ.setdefault(key, value)
