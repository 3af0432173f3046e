"""`fleet.yml`: the generated projects a platform team keeps up to date.

```yaml
defaults:
  branch: main                        # branch each update starts from
  check: ["make test", "make gate"]   # run in the working copy after a clean update; [] runs nothing
repos:
  - name: billing-rag
    url: https://git.example.com/billing/rag.git   # or a local path
  - name: claims-approvals
    url: ../claims-approvals
    check: ["make test"]              # per-repo override
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..git_repo import is_git_url

DEFAULT_CHECK = ("make test", "make gate")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ManifestError(ValueError):
    """fleet.yml is wrong; the message names the field."""


@dataclass(frozen=True)
class Repo:
    name: str
    url: str
    branch: str
    check: tuple[str, ...]

    @property
    def is_local(self) -> bool:
        return not is_git_url(self.url)


def _check(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ManifestError(f"fleet.yml: {where}: a command or a list of commands")


def load_manifest(path: Path) -> list[Repo]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError as error:
        raise ManifestError(f"fleet manifest not found: {path}") from error
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list) or not data["repos"]:
        raise ManifestError("fleet.yml: repos: a non-empty list of {name, url} entries")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ManifestError("fleet.yml: defaults: a mapping (branch, check)")
    unknown = set(defaults) - {"branch", "check"}
    if unknown:
        raise ManifestError(f"fleet.yml: defaults.{sorted(unknown)[0]}: unknown setting (branch, check)")
    branch = str(defaults.get("branch", "main"))
    check = _check(defaults.get("check", list(DEFAULT_CHECK)), "defaults.check")
    repos, seen = [], set()
    for index, entry in enumerate(data["repos"]):
        where = f"repos[{index}]"
        if not isinstance(entry, dict) or not entry.get("url"):
            raise ManifestError(f"fleet.yml: {where}.url: every repo needs a url (git URL or local path)")
        unknown = set(entry) - {"name", "url", "branch", "check"}
        if unknown:
            raise ManifestError(f"fleet.yml: {where}.{sorted(unknown)[0]}: unknown setting (name, url, branch, check)")
        url = str(entry["url"])
        if not is_git_url(url):
            url = str((path.parent / url).resolve())
        name = str(entry.get("name") or Path(url.rstrip("/")).name.removesuffix(".git"))
        if not NAME.match(name):
            raise ManifestError(f"fleet.yml: {where}.name: {name!r} must be letters, digits, dot, dash, underscore")
        if name in seen:
            raise ManifestError(f"fleet.yml: {where}.name: {name!r} appears twice")
        seen.add(name)
        repo_check = _check(entry["check"], f"{where}.check") if "check" in entry else check
        repos.append(Repo(name, url, str(entry.get("branch", branch)), repo_check))
    return repos


def parse_shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text or "")
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ManifestError(f"--shard {text!r}: use i/n with 1 <= i <= n, e.g. 2/4")
    return int(match[1]), int(match[2])


def shard(repos: list[Repo], index: int, count: int) -> list[Repo]:
    """The repos shard `index` of `count` owns: round-robin over names, so every repo has exactly one shard."""
    ordered = sorted(repos, key=lambda r: r.name)
    return [repo for position, repo in enumerate(ordered) if position % count == index - 1]
