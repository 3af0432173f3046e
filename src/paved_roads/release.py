"""Release check: the version in pyproject.toml, CHANGELOG.md and copier.yml agree.

CI runs on a clean clone that may have no tags, so the check works from files: the pyproject
version is the newest CHANGELOG entry, entries are semantic versions in descending order with
dates, `paved_roads.__version__` matches, and every Copier migration in copier.yml belongs to
a released version whose entry says what it migrates. Where tags exist they are checked too.
`paved-roads release tag` runs the check and tags the checkout `vX.Y.Z`.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import yaml

from .git_repo import dirty_files, git
from .versions import SEMVER_TAG, changelog_entries, parse_version


class ReleaseError(RuntimeError):
    """The release metadata disagree; the message lists every problem."""


def _semver(text: str) -> tuple[int, int, int] | None:
    match = SEMVER_TAG.match(text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def copier_migrations(root: Path) -> list[dict]:
    """The `_migrations` of copier.yml (its first YAML document; the second one holds `!include`s)."""
    text = (root / "copier.yml").read_text()
    first = next(yaml.safe_load_all(text.split("\n---\n", 1)[0]), None) or {}
    return list(first.get("_migrations", []) or [])


def check_release(root: Path) -> list[str]:
    """Every disagreement between the release files of the checkout at `root` (empty when consistent)."""
    problems: list[str] = []
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    if _semver(version) is None:
        problems.append(f"pyproject.toml: version {version!r} is not a semantic version X.Y.Z")
    init = (root / "src" / "paved_roads" / "__init__.py").read_text()
    declared = re.search(r'__version__ = "([^"]+)"', init)
    if not declared or declared[1] != version:
        problems.append(f"src/paved_roads/__init__.py: __version__ must be {version!r} like pyproject.toml")
    changelog = root / "CHANGELOG.md"
    if not changelog.is_file():
        return [*problems, "CHANGELOG.md is missing"]
    try:
        entries = changelog_entries(changelog.read_text())
    except ValueError as error:
        return [*problems, str(error)]
    released = [e for e in entries if e.version.lower() != "unreleased"]
    if (
        entries
        and entries[0].version.lower() != "unreleased"
        and any(e.version.lower() == "unreleased" for e in entries)
    ):
        problems.append("CHANGELOG.md: [Unreleased] must be the first section")
    if not released:
        return [*problems, "CHANGELOG.md has no released version (`## [X.Y.Z] - YYYY-MM-DD`)"]
    if released[0].version != version:
        problems.append(
            f"CHANGELOG.md: newest entry is {released[0].version} but pyproject.toml says {version} "
            "(add the entry, or bump the version)"
        )
    previous = None
    for entry in released:
        parsed = _semver(entry.version)
        if parsed is None:
            problems.append(f"CHANGELOG.md: [{entry.version}] is not a semantic version")
            continue
        try:
            date.fromisoformat(entry.date or "")
        except ValueError:
            problems.append(f"CHANGELOG.md: [{entry.version}] needs a date `- YYYY-MM-DD`, not {entry.date!r}")
        if previous is not None and parsed >= previous:
            problems.append(f"CHANGELOG.md: [{entry.version}] is not lower than the entry above it")
        if not entry.body.strip():
            problems.append(f"CHANGELOG.md: [{entry.version}] says nothing; a project owner reads it before updating")
        previous = parsed
    by_version = {e.version: e for e in released}
    for migration in copier_migrations(root):
        wanted = str(migration.get("version", "")).lstrip("v") if isinstance(migration, dict) else ""
        if not wanted:
            problems.append("copier.yml: every migration needs a `version` (it runs once, when an update crosses it)")
            continue
        entry = by_version.get(wanted)
        if entry is None:
            problems.append(f"copier.yml: migration for {wanted} has no CHANGELOG.md entry [{wanted}]")
        elif "migrat" not in entry.body.lower():
            problems.append(f"CHANGELOG.md: [{wanted}] has a Copier migration but does not say what it migrates")
        if (parse_version(wanted) or parse_version("0")) > (parse_version(version) or parse_version("0")):
            problems.append(f"copier.yml: migration for {wanted} is newer than version {version}")
    problems += _check_tags(root, by_version, version)
    return problems


def _check_tags(root: Path, by_version: dict, version: str) -> list[str]:
    if not (root / ".git").exists():
        return []
    problems = []
    current = parse_version(version)
    for tag in git(root, "tag", "--list", check=False).split():
        parsed = _semver(tag)
        if parsed is None:
            continue
        bare = ".".join(map(str, parsed))
        if bare not in by_version:
            problems.append(f"tag {tag} has no CHANGELOG.md entry [{bare}]")
        if current is not None and parse_version(bare) > current:
            problems.append(f"tag {tag} is newer than pyproject.toml's version {version}")
    return problems


def tag_release(root: Path) -> str:
    """Check, then tag the checkout's HEAD `vX.Y.Z` with its changelog entry as the message."""
    problems = check_release(root)
    if problems:
        raise ReleaseError("release check failed:\n  " + "\n  ".join(problems))
    dirty = dirty_files(root)
    if dirty:
        raise ReleaseError(f"{root} has uncommitted changes ({', '.join(dirty[:8])}); commit before tagging")
    version = tomllib.loads((root / "pyproject.toml").read_text())["project"]["version"]
    tag = f"v{version}"
    if git(root, "tag", "--list", tag).strip():
        raise ReleaseError(f"tag {tag} exists; bump the version in pyproject.toml, __init__.py and CHANGELOG.md")
    entry = next(e for e in changelog_entries((root / "CHANGELOG.md").read_text()) if e.version == version)
    git(root, "tag", "--annotate", tag, "--message", f"paved-roads {version}\n\n{entry.body}")
    return tag
