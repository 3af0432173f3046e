"""`relocate`: point projects at a new template location without hand-editing answers files.

Copier reads the template's location from `_src_path` in `.copier-answers.yml`. When the template
repository moves (new host, new group, a mirror), every project needs the new location, and the
release it records (`_commit`) must exist there too: an update renders that release as the base
of its three-way merge. `relocate` checks that first, rewrites only the `_src_path` line and
commits the change.
"""

from __future__ import annotations

import re
from pathlib import Path

from .git_repo import dirty_files, git, is_git_url, stash, unstash
from .render import ANSWERS_FILE, load_answers
from .versions import parse_version, releases

SRC_LINE = re.compile(r"^_src_path:.*$", re.MULTILINE)


class RelocateError(RuntimeError):
    """The project cannot move to the new location; the message says why."""


def relocate_project(project: Path, new_source: str, *, use_stash: bool = False, commit: bool = True) -> str:
    """Rewrite `_src_path` to `new_source` after checking it has the project's release; returns the old source."""
    project = project.resolve()
    answers = load_answers(project)
    old, current = str(answers["_src_path"]), str(answers["_commit"])
    if not is_git_url(new_source):
        new_source = str(Path(new_source).resolve())  # copier needs an absolute path or a URL
    version = parse_version(current)
    try:
        tags = {r.version: r.tag for r in releases(new_source)}
    except Exception as error:
        raise RelocateError(f"{new_source}: cannot list its releases ({error})") from error
    if version is None or version.public not in {str(v) for v in tags}:
        raise RelocateError(
            f"{new_source} has no release {current}, which {project.name} is on: updates render it as the base "
            "of their three-way merge; push the tags there first"
        )
    dirty = dirty_files(project)
    if dirty and not use_stash:
        raise RelocateError(f"{project} has uncommitted changes ({', '.join(dirty[:12])}); commit them or --stash")
    stash_id = stash(project, "paved-roads relocate") if dirty else None
    try:
        path = project / ANSWERS_FILE
        text = path.read_text()
        path.write_text(SRC_LINE.sub(f"_src_path: {new_source}", text, count=1))
        if commit:
            git(project, "add", "--", ANSWERS_FILE)
            git(project, "commit", "--quiet", "-m", f"Template moved: {old} -> {new_source}")
    finally:
        if stash_id:
            problem = unstash(project, stash_id)
            if problem:
                print(problem)
    return old
