"""Update one generated project with `copier update`, and say everything that happened.

Copier's update is a three-way merge, but four cases pass in silence (measured on copier 9.19):
a template change to a file the team deleted is dropped; a template change to a file the team
renamed is dropped; a file the team edited is deleted when the template deletes it; and a file
the team edited loses the edit when the template renames it. This module runs the real
`copier update` and then, from the three versions of every file (what the template rendered
last time, what it renders now, what the team has), finishes those cases:

- template renamed a file the team edited -> the team's edits are merged into the new path;
- team renamed a file the template changed -> the template's change is merged into it;
- template deleted a file the team edited -> the team's copy is kept and reported as a conflict;
- template changed a file the team deleted -> reported as skipped and recorded in
  `.copier-skipped.yml`, which the project's `check` command and CI drift job list.

Every conflict (inline markers, `.rej` file, kept file) is reported with its path.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from .git_repo import GitError, dirty_files, git, head_files, refuse_dirty, stash, unstash
from .render import ANSWERS_FILE, load_answers, read_tree, render, template_file
from .versions import ChangelogEntry, changes_between, find_release, latest, parse_version

SKIPPED_FILE = ".copier-skipped.yml"
MIGRATED_RECORD = "paved-roads-migrated.json"  # written into .git/ by migrations/apply.py
OUTCOMES = ("up-to-date", "updated", "conflicts", "skipped-deleted")
MARKERS = (b"<<<<<<< ", b">>>>>>> ")
LABELS = ("before updating", "last update", "after updating")  # the labels copier's own merges use
SIMILAR = 0.6  # a file this similar to a vanished one is taken as its new name (git uses 50 %)
_capture_lock = threading.Lock()


class UpdateError(RuntimeError):
    """The update could not run; the message says why and what to do."""


@dataclass
class FileNote:
    path: str
    detail: str


@dataclass
class UpdateResult:
    project: str
    source: str
    from_version: str | None
    to_version: str
    outcome: str = "up-to-date"
    changed: list[str] = field(default_factory=list)
    conflicts: list[FileNote] = field(default_factory=list)
    skipped: list[FileNote] = field(default_factory=list)
    carried: list[FileNote] = field(default_factory=list)
    changelog: list[ChangelogEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def markdown(self) -> str:
        """The pull-request body: what changed (from the changelog), conflicts and skipped files."""
        lines = [f"Template update **{self.from_version} → {self.to_version}**: `{self.outcome}`", ""]
        if self.changelog:
            lines += ["### What changed in the template", ""]
            for entry in self.changelog:
                lines += [f"#### {entry.version} ({entry.date or 'undated'})", "", entry.body, ""]
        for title, notes in (
            ("Conflicts to resolve", self.conflicts),
            ("Template changes skipped because the file was deleted here", self.skipped),
            ("Changes carried across a rename", self.carried),
        ):
            if notes:
                lines += [f"### {title}", ""] + [f"- `{n.path}`: {n.detail}" for n in notes] + [""]
        lines += [f"Files changed by the update: {len(self.changed)}"]
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"


# -- capturing copier's own renders ------------------------------------------------------------


@contextlib.contextmanager
def _captured_renders() -> Iterator[dict[str, dict[str, bytes]]]:
    """Read the old and new renders `copier update` makes, before it deletes them.

    Copier compares the two in `_remove_old_files(prefix, dircmp(old_copy, new_copy))` at the end
    of its update; wrapping that call gives both renders without rendering the template again
    (each render of a real pattern costs ~1 s). If a Copier release renames the function the
    capture stays empty and the caller renders both versions itself.
    """
    import copier._main as copier_main

    captured: dict[str, dict[str, bytes]] = {}
    original = getattr(copier_main, "_remove_old_files", None)
    if original is None:
        yield captured
        return

    def capture(prefix: Path, cmp: Any, rm_common: bool = False) -> None:
        if not captured:
            captured["old"] = read_tree(Path(cmp.left))
            captured["new"] = read_tree(Path(cmp.right))
        original(prefix, cmp, rm_common)

    with _capture_lock:
        copier_main._remove_old_files = capture
        try:
            yield captured
        finally:
            copier_main._remove_old_files = original


# -- Copier's repeated work, done once ---------------------------------------------------------

_compiled: dict[tuple, Any] = {}  # (environment settings, source) -> code object, process-wide
_COMPILED_MAX = 50_000


def _compile_settings(env: Any) -> tuple:
    """What a Jinja environment's compiled code depends on, besides the source."""
    return (
        type(env),
        env.code_generator_class,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        tuple(sorted(env.extensions)),
        env.optimized,
        env.finalize,
        env.autoescape,
        env.is_async,
        tuple(getattr(env, "intercepted_binops", ())),
        tuple(getattr(env, "intercepted_unops", ())),
    )


@contextlib.contextmanager
def _reused_copier_work() -> Iterator[None]:
    """Skip two things Copier repeats for every file it renders, with the same results.

    Copier compiles each path name and its answers-file name with `from_string` (about 3,800 Jinja
    compilations per update of a real project, most of them the same few strings), and asks git
    `config core.fileMode` once per rendered file (~550 git processes per update). Inside this
    block a compiled string template is reused for the same source under the same environment
    settings, and core.fileMode is read once per destination folder; Copier's own code then
    decides exactly as before. Attributes a Copier or Jinja release no longer has are left alone.
    """
    import copier._main as copier_main
    from jinja2 import Environment

    patched: list[tuple[Any, str, Any]] = []
    original_compile = Environment.compile

    def cached_compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if not isinstance(source, str) or name is not None or filename is not None or raw:
            return original_compile(self, source, name, filename, raw, defer_init)
        key = (_compile_settings(self), source, defer_init)
        code = _compiled.get(key)
        if code is None:
            code = original_compile(self, source, name, filename, raw, defer_init)
            if len(_compiled) >= _COMPILED_MAX:
                _compiled.clear()
            _compiled[key] = code
        return code

    patched.append((Environment, "compile", original_compile))
    Environment.compile = cached_compile

    worker = getattr(copier_main, "Worker", None)
    original_sync = getattr(worker, "_sync_git_index_executable_bit", None)
    if original_sync is not None:
        file_mode: dict[str, str | None] = {}

        def sync(self, dst_relpath: Path, src_mode: int) -> None:
            root = str(self.subproject.local_abspath)
            if root not in file_mode:
                done = subprocess.run(
                    ["git", "config", "--type=bool", "--get", "core.fileMode"], cwd=root, capture_output=True, text=True
                )
                file_mode[root] = done.stdout.strip() if done.returncode == 0 else None
            if file_mode[root] == "false":  # the only case in which Copier's method does anything
                original_sync(self, dst_relpath, src_mode)

        patched.append((worker, "_sync_git_index_executable_bit", original_sync))
        worker._sync_git_index_executable_bit = sync
    try:
        yield
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


# -- the update ----------------------------------------------------------------------------------


def update_project(
    project: Path,
    *,
    to: str | None = None,
    use_stash: bool = False,
    conflict: str = "inline",
    record: bool = True,
) -> UpdateResult:
    """Update `project` in place to release `to` (default: the newest); nothing is committed."""
    project = project.resolve()
    answers = load_answers(project)
    source, current = str(answers["_src_path"]), str(answers["_commit"])
    top = Path(git(project, "rev-parse", "--show-toplevel").strip()).resolve()
    if top != project:
        raise UpdateError(f"{project} is inside the git repository {top}; run the update at the repository root")
    target = find_release(source, to) if to else latest(source)
    if target is None:
        raise UpdateError(f"template {source} has no release tags (vX.Y.Z); tag a release first")
    result = UpdateResult(str(project), source, current, target.tag)
    current_version = parse_version(current)
    if current_version is not None and target.version <= current_version:
        if target.version < current_version:
            raise UpdateError(f"{project} is at {current}, newer than {target.tag}: downgrades are not supported")
        return result

    stash_id = stash(project, f"paved-roads update to {target.tag}") if use_stash else None
    if not use_stash:
        refuse_dirty(project)
    if stash_id:
        result.notes.append(f"uncommitted changes were stashed ({stash_id[:12]}) and restored afterwards")
    try:
        _run_update(project, source, current, target.tag, conflict, result)
    finally:
        if stash_id:
            problem = unstash(project, stash_id)
            if problem:
                result.notes[-1] = problem
    changelog = template_file(source, target.tag, "CHANGELOG.md")
    if changelog:
        with contextlib.suppress(ValueError):
            result.changelog = changes_between(changelog, current, target.tag)
    if record and result.skipped:
        record_skipped(project, result)
    result.changed = dirty_files(project)
    result.outcome = "conflicts" if result.conflicts else "skipped-deleted" if result.skipped else "updated"
    return result


def _run_update(project: Path, source: str, current: str, tag: str, conflict: str, result: UpdateResult) -> None:
    from copier import run_update

    ours = head_files(project)
    with _captured_renders() as captured, _reused_copier_work():
        try:
            run_update(
                str(project), vcs_ref=tag, defaults=True, overwrite=True, unsafe=True, quiet=True, conflict=conflict
            )
        except Exception as error:  # copier's errors carry the text a user needs
            with contextlib.suppress(GitError):
                git(project, "reset", "--quiet", "--hard")
                git(project, "clean", "--quiet", "-fd")
            raise UpdateError(f"copier update to {tag} failed: {error}") from error
    new_answers = yaml.safe_load((project / ANSWERS_FILE).read_text()) or {}
    old = captured.get("old")
    new = captured.get("new")
    if old is None or new is None:  # a Copier release that no longer calls _remove_old_files
        old_answers = yaml.safe_load(ours[ANSWERS_FILE]) or {}
        old, new = render(source, current, old_answers), render(source, tag, new_answers)
    old.pop(ANSWERS_FILE, None)
    new.pop(ANSWERS_FILE, None)
    deleted_here = sorted(p for p in old if p not in ours)
    if deleted_here:  # copier leaves the files the team deleted out of its new render
        new.update(render(source, tag, new_answers, only=deleted_here))
    _finish(project, old, new, ours, result)


def _migrated_moves(project: Path, result: UpdateResult) -> set[str]:
    """Moves the template's own migration (migrations/apply.py) already merged; reported, not redone."""
    record = project / ".git" / MIGRATED_RECORD
    if not record.is_file():
        return set()
    moves = json.loads(record.read_text())
    record.unlink()
    for move in moves:
        note = f"moved by the template's migration from {move['from']}; your edits were merged into it"
        if move["clean"]:
            result.carried.append(FileNote(move["to"], note))
        else:
            result.conflicts.append(FileNote(move["to"], note + " with conflicts: resolve the markers"))
    return {move["from"] for move in moves}


def _finish(project: Path, old: dict[str, bytes], new: dict[str, bytes], ours: dict[str, bytes], result) -> None:
    added_by_template = [p for p in new if p not in old]
    added_here = [p for p in ours if p not in old]
    migrated = _migrated_moves(project, result)
    for path in sorted(old):
        if path in migrated:
            continue
        if path in ours and ours[path] != old[path] and path not in new:
            _template_removed_edited_file(project, path, old, new, ours, added_by_template, result)
        elif path not in ours and path in new and new[path] != old[path]:
            _template_changed_deleted_file(project, path, old, new, ours, added_here, result)
    conflicted = {note.path for note in result.conflicts}
    for path in _conflicted_paths(project):
        if path not in conflicted:
            result.conflicts.append(FileNote(path, "both changed the same lines: resolve the conflict markers"))
    for rej in sorted(project.rglob("*.rej")):
        rel = rej.relative_to(project).as_posix()
        if ".git" not in rej.parts and rel not in conflicted:
            result.conflicts.append(FileNote(rel, "rejected template hunks: apply them by hand, then delete the file"))


def _template_removed_edited_file(project, path, old, new, ours, added_by_template, result) -> None:
    target = _most_similar(old[path], {p: new[p] for p in added_by_template})
    if target is not None:
        merged, clean = merge(_read(project / target, new[target]), old[path], ours[path], labels=LABELS[::-1])
        (project / target).write_bytes(merged)
        git(project, "add", "--", target)
        note = f"the template moved {path} to {target}; your edits to {path} were merged into it"
        if clean:
            result.carried.append(FileNote(target, note))
        else:
            result.conflicts.append(FileNote(target, note + " with conflicts: resolve the markers"))
        return
    (project / path).parent.mkdir(parents=True, exist_ok=True)
    (project / path).write_bytes(ours[path])
    git(project, "add", "--", path)
    result.conflicts.append(
        FileNote(path, "the template deleted this file, which you had changed: your copy is kept; delete it if unused")
    )


def _template_changed_deleted_file(project, path, old, new, ours, added_here, result) -> None:
    renamed = _most_similar(old[path], {p: ours[p] for p in added_here})
    if renamed is not None and (project / renamed).is_file():
        merged, clean = merge((project / renamed).read_bytes(), old[path], new[path])
        (project / renamed).write_bytes(merged)
        note = f"the template changed {path}, which you renamed to {renamed}: the change was merged into it"
        if clean:
            result.carried.append(FileNote(renamed, note))
        else:
            result.conflicts.append(FileNote(renamed, note + " with conflicts: resolve the markers"))
        return
    result.skipped.append(
        FileNote(path, "the template changed this file, which was deleted here; the change was not applied")
    )


def _read(path: Path, fallback: bytes) -> bytes:
    return path.read_bytes() if path.is_file() else fallback


def _most_similar(content: bytes, candidates: dict[str, bytes]) -> str | None:
    """The candidate most similar to `content`, if any is at least SIMILAR alike line by line."""
    best, best_score = None, SIMILAR
    lines = content.splitlines()
    for path, other in sorted(candidates.items()):
        matcher = difflib.SequenceMatcher(None, lines, other.splitlines(), autojunk=False)
        if matcher.real_quick_ratio() < best_score or matcher.quick_ratio() < best_score:
            continue
        score = matcher.ratio()
        if score >= best_score:
            best, best_score = path, score
    return best


def merge(current: bytes, base: bytes, other: bytes, labels: tuple[str, ...] = LABELS) -> tuple[bytes, bool]:
    """Three-way merge of one file with `git merge-file`; returns (result, clean)."""
    with tempfile.TemporaryDirectory(prefix="paved-roads-merge-") as tmp:
        paths = [Path(tmp, name) for name in ("current", "base", "other")]
        for path, content in zip(paths, (current, base, other), strict=True):
            path.write_bytes(content)
        named = [arg for label in labels for arg in ("-L", label)]
        done = subprocess.run(["git", "merge-file", "-p", *named, *map(str, paths)], capture_output=True, check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise UpdateError(f"git merge-file failed: {done.stderr.decode(errors='replace')}")
    return done.stdout, done.returncode == 0


def _conflicted_paths(project: Path) -> list[str]:
    """Files git records as unmerged plus any changed file that carries conflict markers."""
    unmerged = {line.split("\t", 1)[1] for line in git(project, "ls-files", "-u").splitlines() if "\t" in line}
    for path in dirty_files(project):
        file = project / path
        if file.is_file() and has_markers(file.read_bytes()):
            unmerged.add(path)
    return sorted(unmerged)


def has_markers(content: bytes) -> bool:
    lines = content.splitlines()
    return any(line.startswith(MARKERS[0]) for line in lines) and any(line.startswith(MARKERS[1]) for line in lines)


def record_skipped(project: Path, result: UpdateResult) -> None:
    """Append this update's skipped changes to `.copier-skipped.yml` (kept until the team resolves them)."""
    path = project / SKIPPED_FILE
    data = (yaml.safe_load(path.read_text()) if path.is_file() else None) or {}
    entries = [e for e in data.get("skipped", []) if isinstance(e, dict)]
    known = {(e.get("path"), e.get("to")) for e in entries}
    for note in result.skipped:
        if (note.path, result.to_version) not in known:
            entries.append(
                {
                    "path": note.path,
                    "from": result.from_version,
                    "to": result.to_version,
                    "date": date.today().isoformat(),
                    "declined": None,
                }
            )
    header = (
        "# Template changes this project did not take because the file was deleted here.\n"
        "# Written by `paved-roads update`; `<project> check` and the CI drift job list every entry\n"
        "# whose `declined` is empty. Take a change by restoring the file from the template, or keep\n"
        "# the file deleted and write why in `declined`.\n"
    )
    path.write_text(header + yaml.safe_dump({"skipped": entries}, sort_keys=False))
