"""Template versions: the tags of a template source, versions behind, and CHANGELOG.md entries.

Tags are semantic versions (`v1.2.0`); Copier compares them as PEP 440 versions, and so do we.
Which tags are releases and how many a project is behind is decided in one place,
`template_versions` (the generated gate's module, linked here), so the drift job and the gate's
`template.current` control count alike.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache

from .git_repo import GitError, expand_source
from .template_versions import Release, parse_version, releases_from_tags, tags_from_ls_remote
from .template_versions import newer_than as _newer_than

SEMVER_TAG = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?\s*$")


@cache
def releases(source: str) -> tuple[Release, ...]:
    """Released versions of a template source (local path or git URL), oldest first; pre-releases left out."""
    done = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", expand_source(source)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise GitError(f"cannot list the tags of template {source}: {done.stderr.strip()}")
    return releases_from_tags(tags_from_ls_remote(done.stdout))


def latest(source: str) -> Release | None:
    found = releases(source)
    return found[-1] if found else None


def find_release(source: str, wanted: str) -> Release:
    """The release named `wanted` (`1.2.0` or `v1.2.0`), or a clear error listing what exists."""
    version = parse_version(wanted)
    for attempt in range(2):
        if attempt:
            releases.cache_clear()  # tagged since we last looked
        for release in releases(source):
            if release.version == version or release.tag == wanted:
                return release
    known = ", ".join(r.tag for r in releases(source)) or "none"
    raise GitError(f"template {source} has no release {wanted} (released: {known})")


def newer_than(current: str | None, source: str) -> list[Release]:
    """Releases newer than the version a project records (`_commit`)."""
    return _newer_than(current, releases(source))


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    date: str | None
    body: str


def changelog_entries(text: str) -> list[ChangelogEntry]:
    """`## [1.2.0] - 2026-12-03` sections of a Keep-a-Changelog file, in file order."""
    entries: list[ChangelogEntry] = []
    current: tuple[str, str | None] | None = None
    body: list[str] = []
    for line in text.splitlines():
        match = ENTRY.match(line)
        if match:
            if current:
                entries.append(ChangelogEntry(current[0], current[1], "\n".join(body).strip()))
            current, body = (match["version"], match["date"]), []
        elif line.startswith("## "):
            raise ValueError(f"CHANGELOG.md: heading {line!r} is not `## [X.Y.Z] - YYYY-MM-DD` or `## [Unreleased]`")
        elif current:
            body.append(line)
    if current:
        entries.append(ChangelogEntry(current[0], current[1], "\n".join(body).strip()))
    return entries


def changes_between(text: str, old: str | None, new: str) -> list[ChangelogEntry]:
    """Changelog entries a project crosses going from `old` (exclusive) to `new` (inclusive), newest first."""
    low, high = parse_version(old), parse_version(new)
    picked = []
    for entry in changelog_entries(text):
        version = parse_version(entry.version)
        if version is None or high is None:
            continue
        if version <= high and (low is None or version > low):
            picked.append(entry)
    return picked
