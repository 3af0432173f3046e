"""Template releases: which released versions a project is behind, and how many its tier allows.

One implementation for both readers of `template.max_versions_behind`: the gate's
`template.current` control (this module, in every generated project) and paved-roads' drift job
and fleet tooling (`paved_roads/template_versions.py` is a symlink to this file). So it uses the
standard library and `packaging` only, and imports nothing from either package.

Tags are read as PEP 440 versions (`v1.2.0`, `1.2.0`), as Copier reads them; pre-releases and
local versions are not releases. A project's `_commit` may be a tag, a `git describe` string
(`v1.2.0-3-gabc1234`) or Copier's PEP 440 form of it (`1.2.0.post3.dev0+abc1234`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

# Releases a project may fall behind when governance.yml does not say (`template.max_versions_behind`).
DEFAULT_ALLOWED = {"low": 3, "medium": 2, "high": 1}
_DESCRIBED = re.compile(r"^(?P<base>.+)-(?P<count>\d+)-g(?P<sha>[0-9a-f]+)$")


@dataclass(frozen=True)
class Release:
    version: Version
    tag: str


def parse_version(text: str | None) -> Version | None:
    """`v1.2.0`, `1.2.0` or a git-describe string (`v1.2.0-3-gabc123`) as a PEP 440 version."""
    if not text:
        return None
    described = _DESCRIBED.match(text)
    if described:
        text = f"{described['base']}.post{described['count']}+{described['sha']}"
    try:
        return Version(text)
    except InvalidVersion:
        return None


def releases_from_tags(tags: Iterable[str]) -> tuple[Release, ...]:
    """The released versions among `tags`, oldest first; pre-releases and local versions left out."""
    found = []
    for tag in tags:
        version = parse_version(tag)
        if version is not None and not version.is_prerelease and not version.local:
            found.append(Release(version, tag))
    return tuple(sorted(found, key=lambda release: release.version))


def tags_from_ls_remote(listing: str) -> list[str]:
    """Tag names from `git ls-remote --tags --refs` output."""
    return [line.split("refs/tags/", 1)[1] for line in listing.splitlines() if "refs/tags/" in line]


def newer_than(current: str | None, releases: Iterable[Release]) -> list[Release]:
    """Releases newer than the version a project records (`_commit`); every release when it records none."""
    version = parse_version(current)
    return [release for release in releases if version is None or release.version > version]


def allowed_behind(configured: object, tier: str | None) -> int:
    """Releases a project may be behind: governance.yml's `template.max_versions_behind`, else its tier's default."""
    if isinstance(configured, int) and not isinstance(configured, bool) and configured >= 0:
        return configured
    return DEFAULT_ALLOWED.get(tier or "", min(DEFAULT_ALLOWED.values()))
