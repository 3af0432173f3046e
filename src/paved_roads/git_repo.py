"""The few git operations the update, fleet and adopt commands share."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(RuntimeError):
    """A git command failed; the message carries git's own words."""


class DirtyTreeError(RuntimeError):
    """The working tree has uncommitted changes; the message lists them."""

    def __init__(self, path: Path, files: list[str]):
        self.path = path
        self.files = files
        shown = ", ".join(files[:12]) + (f" and {len(files) - 12} more" if len(files) > 12 else "")
        super().__init__(
            f"{path} has uncommitted changes ({shown}); commit them, or pass --stash to set them aside "
            "(they are restored afterwards, nothing is lost)"
        )


def git(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run git in `cwd` and return stdout; hooks and signing never run (these are tool commits)."""
    command = ["git", "-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgsign=false", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, input=input)
    if check and done.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {cwd}: {(done.stderr or done.stdout).strip()}")
    return done.stdout


def dirty_files(repo: Path) -> list[str]:
    """Paths with uncommitted changes, untracked files included (ignored files are not)."""
    lines = git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()
    return sorted({line[3:].split(" -> ")[-1].strip('"') for line in lines if line.strip()})


def refuse_dirty(repo: Path) -> None:
    files = dirty_files(repo)
    if files:
        raise DirtyTreeError(repo, files)


def stash(repo: Path, message: str) -> str | None:
    """Set uncommitted changes aside; returns the stash commit id (None when there was nothing)."""
    if not dirty_files(repo):
        return None
    git(repo, "stash", "push", "--include-untracked", "--message", message)
    return git(repo, "rev-parse", "stash@{0}").strip()


def unstash(repo: Path, stash_id: str) -> str | None:
    """Re-apply a stash; returns None on success, or why it is still stashed (nothing is dropped)."""
    if _top_stash(repo) == stash_id:
        done = subprocess.run(["git", "stash", "pop"], cwd=repo, capture_output=True, text=True)
        if done.returncode == 0:
            return None
    return (
        f"your stashed changes did not re-apply cleanly and are kept in stash {stash_id[:12]} "
        "(`git stash list`; `git stash apply` when ready)"
    )


def _top_stash(repo: Path) -> str:
    return git(repo, "rev-parse", "--verify", "--quiet", "stash@{0}", check=False).strip()


def head_files(repo: Path, ref: str = "HEAD") -> dict[str, bytes]:
    """Every file of `ref` (path -> content), read with one `git cat-file --batch`."""
    listing = git(repo, "ls-tree", "-r", "-z", ref).split("\0")
    entries = []
    for item in filter(None, listing):
        meta, path = item.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and mode != "120000":
            entries.append((path, sha))
    if not entries:
        return {}
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(f"{sha}\n" for _, sha in entries).encode(),
        capture_output=True,
        check=True,
    )
    out, files, offset = done.stdout, {}, 0
    for path, _ in entries:
        header_end = out.index(b"\n", offset)
        size = int(out[offset:header_end].split()[2])
        files[path] = out[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return files


def is_git_url(source: str) -> bool:
    return "://" in source or source.startswith(("git@", "gh:", "gl:"))


def expand_source(source: str) -> str:
    """Copier's `gh:`/`gl:` shortcuts as git URLs; other sources unchanged."""
    if source.startswith("gh:"):
        return f"https://github.com/{source[3:].removesuffix('.git')}.git"
    if source.startswith("gl:"):
        return f"https://gitlab.com/{source[3:].removesuffix('.git')}.git"
    return source
