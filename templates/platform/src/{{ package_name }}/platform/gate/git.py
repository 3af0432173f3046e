"""The few git questions the gate asks, answered by the `git` binary with a timeout.

Every helper returns None (or an empty list) instead of raising when git is missing, the folder
is not a repository, or a remote does not answer: the gate records "unknown" and its policy
decides whether unknown is good enough.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - fixed argument lists, no shell
from pathlib import Path

from ..evals.fingerprint import project_files
from .template_versions import Release, releases_from_tags, tags_from_ls_remote

__all__ = ["change_author", "project_files", "run_git", "template_releases"]


def run_git(root: Path, *args: str, timeout_s: float = 10.0) -> str | None:
    """stdout of `git <args>` in `root`, or None when git fails or is unavailable."""
    git = shutil.which("git")
    if git is None:
        return None
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "LC_ALL": "C"}
    try:
        done = subprocess.run(  # noqa: S603 - git with fixed arguments
            [git, *args], cwd=root, capture_output=True, text=True, timeout=timeout_s, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def is_repo(root: Path) -> bool:
    return run_git(root, "rev-parse", "--is-inside-work-tree") is not None


def change_author(root: Path) -> tuple[str, list[str]]:
    """Who authored the change under review, and every alias to match reviewers on.

    `CHANGE_AUTHOR` (CI sets it to the PR author's handle) is added to, never replaces, the git
    authors of the change: every commit since `REVIEW_BASE` when set, else the last commit that
    changed anything outside docs/reviews/ (committing a review record does not make its reviewer
    the author).
    """
    explicit = os.environ.get("CHANGE_AUTHOR", "").strip()
    base = os.environ.get("REVIEW_BASE", "").strip()
    span = [f"{base}..HEAD"] if base else ["-1"]
    logged = run_git(root, "log", *span, "--format=%ae%x00%an", "--", ".", ":(exclude)docs/reviews") or ""
    aliases = [explicit] if explicit else []
    for line in logged.splitlines():
        email, _, name = line.strip().partition("\0")
        aliases += [email, email.split("@")[0], name, name.replace(" ", "")]
    aliases = list(dict.fromkeys(alias for alias in aliases if alias))
    return (aliases[0] if aliases else "unknown"), aliases


def template_releases(src: str, timeout_s: float = 10.0) -> tuple[tuple[Release, ...] | None, str]:
    """The released versions at a template source (local path or URL), oldest first, and why not when None."""
    listed = run_git(Path.cwd(), "ls-remote", "--tags", "--refs", expand_source(src), timeout_s=timeout_s)
    if listed is None:
        return None, f"cannot list tags of {src} (offline, moved or not a git repository)"
    found = releases_from_tags(tags_from_ls_remote(listed))
    if not found:
        return None, f"{src} has no version tags"
    return found, ""


def expand_source(src: str) -> str:
    """Copier's `gh:owner/repo` and `gl:owner/repo` shorthands as URLs git understands."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if src.startswith(prefix):
            return host + src.removeprefix(prefix).removesuffix(".git") + ".git"
    return src
