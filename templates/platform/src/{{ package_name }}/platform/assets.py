"""Versioned assets: prompts, eval datasets and policies, each with a version, an owner and a lifecycle.

A prompt is a file (`prompts/<name>/<version>.md`) rather than a string in code so that a change
to it is a reviewed diff (CODEOWNERS covers `prompts/`), the version is what the audit log and the
eval report record, and an old version can be retired on a date: the gate warns while the date is
ahead and fails once it has passed. Datasets (`<name>.meta.yml`) and policies (`.rego` METADATA
blocks, top-level keys of `.yml` policy files) carry the same fields, so one inventory covers all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import yaml

from .errors import AssetError
from .settings import Settings

AssetKind = Literal["prompt", "dataset", "policy"]
_VERSION = re.compile(r"^\d+(\.\d+){0,3}([-+.][0-9A-Za-z.-]+)?$")
_PROMPT_FIELDS = ("name", "version", "owner", "changelog")
_DATASET_FIELDS = ("name", "version", "owner", "provenance", "freshness_date", "permissible_use")


@dataclass(frozen=True)
class Prompt:
    """One version of a system prompt; `ref` ("answer@1.0.0") is what audit records carry."""

    name: str
    version: str
    owner: str
    changelog: str
    text: str
    sha256: str
    path: Path
    deprecated_after: date | None = None

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


@dataclass(frozen=True)
class DatasetMeta:
    """Where a golden dataset came from and what it may be used for (`<name>.meta.yml`)."""

    name: str
    version: str
    owner: str
    provenance: str
    freshness_date: date
    permissible_use: str
    deprecated_after: date | None = None


@dataclass(frozen=True)
class AssetInfo:
    """One line of the asset inventory the gate checks for deprecation."""

    kind: AssetKind
    name: str
    version: str
    owner: str
    path: str
    sha256: str
    deprecated_after: date | None
    in_use: bool

    def to_fact(self) -> dict[str, Any]:
        fact = {k: v for k, v in self.__dict__.items() if k != "deprecated_after"}
        fact["deprecated_after"] = self.deprecated_after.isoformat() if self.deprecated_after else None
        fact["ref"] = f"{self.name}@{self.version}"
        return fact


# Prompt refs loaded while a recording is active, so an eval run reports exactly which versions it exercised.
_recording: ContextVar[set[str] | None] = ContextVar("prompt_loads", default=None)


@contextmanager
def recording_prompt_loads() -> Iterator[set[str]]:
    """Collect the refs `load_prompt` serves inside the block (and in contexts copied from it)."""
    loads: set[str] = set()
    token = _recording.set(loads)
    try:
        yield loads
    finally:
        _recording.reset(token)


def version_key(version: str) -> tuple[Any, ...]:
    """Order "1.10.0" after "1.9.2"; a pre-release suffix sorts before the plain release."""
    match = re.match(r"^v?(\d+(?:\.\d+)*)(.*)$", version)
    if not match:
        return ((), 0, version)
    numbers = tuple(int(part) for part in match.group(1).split("."))
    suffix = match.group(2)
    return (numbers, 0 if suffix else 1, suffix)


def parse_ref(ref: str) -> tuple[str, str | None]:
    """ "answer@1.2.0" -> ("answer", "1.2.0"); "answer" -> ("answer", None)."""
    name, _, version = ref.partition("@")
    return name, version or None


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a `---` YAML front matter block from the body of a text file."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise AssetError(f"{path}: must start with a '---' YAML front matter block (name, version, owner, changelog)")
    head, separator, body = text[4:].partition("\n---\n")
    if not separator:
        raise AssetError(f"{path}: front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as error:
        raise AssetError(f"{path}: front matter is not valid YAML ({error})") from error
    if not isinstance(meta, dict):
        raise AssetError(f"{path}: front matter must be a mapping of fields")
    return meta, body.lstrip("\n")


def _date_field(path: Path, meta: dict[str, Any], key: str, *, required: bool = False) -> date | None:
    value = meta.get(key)
    if value in (None, ""):
        if required:
            raise AssetError(f"{path}: {key} is required (an ISO date, e.g. 2025-01-31)")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise AssetError(f"{path}: {key}: {value!r} is not an ISO date (YYYY-MM-DD)") from error


def _require(path: Path, meta: dict[str, Any], fields: tuple[str, ...]) -> None:
    missing = [key for key in fields if meta.get(key) in (None, "")]
    if missing:
        raise AssetError(f"{path}: missing field(s) {', '.join(missing)}; required: {', '.join(fields)}")
    version = str(meta["version"])
    if not _VERSION.match(version):
        raise AssetError(f"{path}: version {version!r} is not a version number like 1.0.0")


def prompt_versions(prompts_dir: Path, name: str) -> list[str]:
    """Every version of one prompt, oldest first."""
    folder = prompts_dir / name
    versions = [path.stem for path in folder.glob("*.md")] if folder.is_dir() else []
    return sorted(versions, key=version_key)


def _pinned_version(settings: Settings, name: str) -> str | None:
    pins = getattr(settings, "prompt_versions", None) or {}
    return pins.get(name)


def resolve_prompt_version(settings: Settings, name: str, version: str | None = None) -> str:
    """Explicit version, else the settings pin (`PROMPT_VERSIONS`), else the newest file."""
    prompts_dir = settings.path(settings.prompts_dir)
    chosen = version or _pinned_version(settings, name)
    if chosen:
        return chosen
    versions = prompt_versions(prompts_dir, name)
    if not versions:
        raise AssetError(f"prompt {name!r}: no versions under {prompts_dir / name}/ (expected <version>.md files)")
    return versions[-1]


def load_prompt(settings: Settings, name: str, version: str | None = None) -> Prompt:
    """Load `name` (or "name@version") at a version; the newest one when none is asked or pinned."""
    name, ref_version = parse_ref(name)
    resolved = resolve_prompt_version(settings, name, version or ref_version)
    path = settings.path(settings.prompts_dir) / name / f"{resolved}.md"
    if not path.is_file():
        known = ", ".join(prompt_versions(path.parent.parent, name)) or "none"
        raise AssetError(f"prompt {name}@{resolved}: no file {path} (versions: {known})")
    prompt = _read_prompt(path)
    if prompt.name != name or prompt.version != resolved:
        raise AssetError(f"{path}: front matter says {prompt.ref}, file location says {name}@{resolved}")
    loads = _recording.get()
    if loads is not None:
        loads.add(prompt.ref)  # set.add is atomic under the GIL; eval threads share this set
    return prompt


def _read_prompt(path: Path) -> Prompt:
    meta, body = read_front_matter(path)
    _require(path, meta, _PROMPT_FIELDS)
    if not body.strip():
        raise AssetError(f"{path}: the prompt body after the front matter is empty")
    return Prompt(
        name=str(meta["name"]),
        version=str(meta["version"]),
        owner=str(meta["owner"]),
        changelog=str(meta["changelog"]),
        text=body,
        sha256=sha256_file(path),
        path=path,
        deprecated_after=_date_field(path, meta, "deprecated_after"),
    )


def load_dataset_meta(path: Path) -> DatasetMeta:
    """Parse `<name>.meta.yml`: provenance, owner, freshness and permissible use are mandatory."""
    try:
        meta = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as error:
        raise AssetError(f"{path}: dataset metadata file is missing") from error
    except yaml.YAMLError as error:
        raise AssetError(f"{path}: not valid YAML ({error})") from error
    if not isinstance(meta, dict):
        raise AssetError(f"{path}: must be a mapping of fields")
    _require(path, meta, _DATASET_FIELDS)
    return DatasetMeta(
        name=str(meta["name"]),
        version=str(meta["version"]),
        owner=str(meta["owner"]),
        provenance=str(meta["provenance"]),
        freshness_date=_date_field(path, meta, "freshness_date", required=True) or date.min,
        permissible_use=str(meta["permissible_use"]),
        deprecated_after=_date_field(path, meta, "deprecated_after"),
    )


def policy_metadata(path: Path) -> dict[str, Any]:
    """Version fields of a policy: a Rego `# METADATA` block's `custom:` map, or a YAML file's top-level keys."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".rego":
        lines = text.splitlines()
        if "# METADATA" not in lines:
            return {}
        start = lines.index("# METADATA") + 1
        block = []
        for line in lines[start:]:
            if not line.startswith("#"):
                break
            block.append(line[2:] if line.startswith("# ") else line[1:])
        try:
            meta = yaml.safe_load("\n".join(block)) or {}
        except yaml.YAMLError as error:
            raise AssetError(f"{path}: METADATA block is not valid YAML ({error})") from error
        custom = meta.get("custom") if isinstance(meta, dict) else None
        return custom if isinstance(custom, dict) else {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AssetError(f"{path}: not valid YAML ({error})") from error
    return data if isinstance(data, dict) else {}


def inventory(settings: Settings, *, used_prompt_refs: set[str] | frozenset[str] = frozenset()) -> list[AssetInfo]:
    """Every prompt version, dataset and policy with its lifecycle fields.

    A prompt version is in use when it is the one served now (pin or newest) or an eval run
    exercised it; retired versions that nothing loads may carry a past deprecation date.
    """
    root = settings.project_root
    assets: list[AssetInfo] = []
    prompts_dir = settings.path(settings.prompts_dir)
    for folder in sorted(path for path in prompts_dir.glob("*") if path.is_dir()):
        versions = prompt_versions(prompts_dir, folder.name)
        served = resolve_prompt_version(settings, folder.name) if versions else None
        if served is not None and served not in versions:
            raise AssetError(f"prompt {folder.name}@{served} is pinned but {folder / served}.md does not exist")
        for version in versions:
            prompt = _read_prompt(folder / f"{version}.md")
            in_use = version == served or prompt.ref in used_prompt_refs
            assets.append(_info(root, "prompt", prompt.path, prompt.name, prompt.version, prompt.owner,
                                deprecated=prompt.deprecated_after, in_use=in_use))  # fmt: skip
    for meta_path in sorted((settings.path(settings.evals_dir) / "datasets").glob("*.meta.yml")):
        meta = load_dataset_meta(meta_path)
        data_path = meta_path.with_name(meta_path.name.replace(".meta.yml", ".jsonl"))
        path = data_path if data_path.exists() else meta_path
        assets.append(_info(root, "dataset", path, meta.name, meta.version, meta.owner,
                            deprecated=meta.deprecated_after, in_use=True))  # fmt: skip
    policies_dir = settings.path(settings.policies_dir)
    for path in sorted([*policies_dir.glob("*.rego"), *policies_dir.glob("*.yml")]):
        meta = policy_metadata(path)
        version, owner = str(meta.get("version", "unversioned")), str(meta.get("owner", ""))
        deprecated = _date_field(path, meta, "deprecated_after")
        assets.append(_info(root, "policy", path, path.stem, version, owner, deprecated=deprecated, in_use=True))
    return assets


def _info(
    root: Path,
    kind: AssetKind,
    path: Path,
    name: str,
    version: str,
    owner: str,
    *,
    deprecated: date | None,
    in_use: bool,
) -> AssetInfo:
    try:
        shown = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        shown = str(path)
    return AssetInfo(kind, name, version, owner, shown, sha256_file(path), deprecated, in_use)
