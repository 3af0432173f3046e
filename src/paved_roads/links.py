"""Keep the platform layer in one place: each pattern reaches it through symlinks.

`templates/platform/` mirrors the layout of a generated project. Every pattern
folder links each platform entry it does not itself extend, so Copier renders
the one shared copy into every project. A pattern may add files inside a shared
folder only where that folder is a real directory in the pattern (e.g. `src/`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PLATFORM = "platform"
CACHES = frozenset({"__pycache__", ".ruff_cache", ".pytest_cache"})  # tool output, never linked


class LinkError(Exception):
    """A pattern holds its own copy of a platform file."""


@dataclass(frozen=True)
class LinkReport:
    created: list[Path]
    ok: int


def patterns(templates: Path) -> list[Path]:
    return sorted(
        p
        for p in templates.iterdir()
        if p.is_dir() and not p.is_symlink() and p.name != PLATFORM and p.name not in CACHES
    )


def sync_links(templates: Path, *, dry_run: bool = False) -> LinkReport:
    """Create missing links from every pattern to the platform layer."""
    platform = templates / PLATFORM
    created: list[Path] = []
    ok = 0
    for pattern in patterns(templates):
        for shared, target in _link_points(platform, pattern):
            if target.is_symlink():
                if target.resolve() != shared.resolve():
                    raise LinkError(f"{target} links to {os.readlink(target)}, not to the platform layer")
                ok += 1
            elif target.exists():
                raise LinkError(f"{target} is a copy of platform file {shared}; delete it and run `paved-roads link`")
            else:
                created.append(target)
                if not dry_run:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.symlink_to(os.path.relpath(shared, target.parent))
    return LinkReport(created, ok)


def _link_points(platform: Path, pattern: Path) -> list[tuple[Path, Path]]:
    """Pairs (platform entry, pattern path) where a link belongs: the shallowest path not a real pattern dir."""
    points: list[tuple[Path, Path]] = []
    stack = [Path()]
    while stack:
        relative = stack.pop()
        for entry in sorted((platform / relative).iterdir()):
            if entry.name in CACHES:
                continue
            rel = relative / entry.name
            target = pattern / rel
            if entry.is_dir() and target.is_dir() and not target.is_symlink():
                stack.append(rel)
            else:
                points.append((entry, target))
    return points


def unreached_files(templates: Path) -> list[str]:
    """Platform files that some pattern does not render (missing or broken link)."""
    platform = templates / PLATFORM
    missing = []
    for pattern in patterns(templates):
        for file in platform.rglob("*"):
            if file.is_dir() or CACHES & set(file.parts):
                continue
            rel = file.relative_to(platform)
            seen = pattern / rel
            if not seen.exists() or seen.resolve() != file.resolve():
                missing.append(f"{pattern.name}: {rel}")
    return missing
