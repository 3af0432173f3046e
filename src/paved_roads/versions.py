"""Template versions: the tags of a template source, versions behind, and CHANGELOG.md entries.

Tags are semantic versions (`v1.2.0`); Copier compares them as PEP 440 versions, and so do we.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache

from packaging.version import InvalidVersion, Version

from .git_repo import GitError, expand_source

SEMVER_TAG = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)$")
ENTRY = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\S+))?\s*$")


def parse_version(text: str | None) -> Version | None:
    """`v1.2.0`, `1.2.0` or a git-describe string (`v1.2.0-3-gabc123`) as a PEP 440 version."""
    if not text:
        return None
    described = re.match(r"^(?P<base>.+)-(?P<count>\d+)-g(?P<sha>[0-9a-f]+)$", text)
    if described:
        text = f"{described['base']}.post{described['count']}+{described['sha']}"
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Release:
    version: Version
    tag: str


@cache
def releases(source: str) -> tuple[Release, ...]:
    """Released versions of a template source (local path or git URL), oldest first; pre-releases left out."""
    done = subprocess.run(
        ["git", "ls-remote", "--tags", "--refs", expand_source(source)], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise GitError(f"cannot list the tags of template {source}: {done.stderr.strip()}")
    found = []
    for line in done.stdout.splitlines():
        tag = line.split("refs/tags/", 1)[-1]
        version = parse_version(tag)
        if version is not None and not version.is_prerelease and not version.local:
            found.append(Release(version, tag))
    return tuple(sorted(found, key=lambda r: r.version))


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
    version = parse_version(current)
    if version is None:
        return list(releases(source))
    return [r for r in releases(source) if r.version > version]


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
