"""Golden datasets: `evals/datasets/<name>.jsonl` plus `<name>.meta.yml`.

One JSON object per line, `{"id", "input", "expected", "tags"}`. Ids are unique per dataset so a
report line, a baseline and a regression can point at one case. Every dataset must say where it
came from and what it may be used for (the meta file) before a case of it is run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..assets import DatasetMeta, load_dataset_meta
from ..errors import DatasetError


@dataclass(frozen=True)
class EvalCase:
    id: str
    dataset: str
    input: dict[str, Any]
    expected: dict[str, Any]
    tags: tuple[str, ...] = ()

    def for_predict(self) -> dict[str, Any]:
        """What the pattern's `predict` sees: no `expected`, so a predictor cannot peek at the answer."""
        return {"id": self.id, "dataset": self.dataset, "input": self.input, "tags": list(self.tags)}


@dataclass(frozen=True)
class Dataset:
    meta: DatasetMeta
    path: Path
    sha256: str
    cases: list[EvalCase] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.meta.name}@{self.meta.version}"


def load_dataset(path: Path) -> Dataset:
    """Load one `.jsonl` file and its `.meta.yml` neighbour."""
    meta = load_dataset_meta(path.with_name(path.name.removesuffix(".jsonl") + ".meta.yml"))
    if meta.name != path.name.removesuffix(".jsonl"):
        raise DatasetError(f"{path}: meta name {meta.name!r} does not match the file name")
    raw = path.read_bytes()
    cases: list[EvalCase] = []
    seen: set[str] = set()
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        case = _parse_case(path, number, line, meta.name)
        if case.id in seen:
            raise DatasetError(f"{path}:{number}: duplicate case id {case.id!r}")
        seen.add(case.id)
        cases.append(case)
    if not cases:
        raise DatasetError(f"{path}: no cases (one JSON object per line)")
    return Dataset(meta=meta, path=path, sha256=hashlib.sha256(raw).hexdigest(), cases=cases)


def _parse_case(path: Path, number: int, line: str, dataset: str) -> EvalCase:
    where = f"{path}:{number}"
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{where}: not valid JSON ({error.msg})") from error
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: each line must be a JSON object")
    case_id = obj.get("id")
    if not isinstance(case_id, str) or not case_id.strip():
        raise DatasetError(f"{where}: 'id' must be a non-empty string")
    for key in ("input", "expected"):
        if not isinstance(obj.get(key, {}), dict):
            raise DatasetError(f"{where}: {key!r} must be an object")
    tags = obj.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise DatasetError(f"{where}: 'tags' must be a list of strings")
    return EvalCase(case_id, dataset, obj.get("input", {}), obj.get("expected", {}), tuple(tags))


def load_datasets(datasets_dir: Path, names: list[str] | None = None) -> list[Dataset]:
    """Every dataset in the folder (or the named ones), sorted by name."""
    paths = sorted(datasets_dir.glob("*.jsonl"))
    if names:
        known = {path.name.removesuffix(".jsonl"): path for path in paths}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise DatasetError(f"dataset(s) {', '.join(unknown)} not found in {datasets_dir}; have: {', '.join(known)}")
        paths = [known[name] for name in names]
    if not paths:
        raise DatasetError(f"no datasets in {datasets_dir} (expected <name>.jsonl with <name>.meta.yml)")
    return [load_dataset(path) for path in paths]


def load_replay(path: Path) -> Dataset:
    """Recorded requests to replay in a shadow test: the case shape without `expected`, no meta needed."""
    from datetime import date

    meta = DatasetMeta(path.stem, "replay", "", f"recorded requests in {path.name}", date.today(), "shadow replay")
    raw = path.read_bytes()
    cases = [
        _parse_case(path, number, line, meta.name)
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1)
        if line.strip()
    ]
    if not cases:
        raise DatasetError(f"{path}: no recorded requests (one JSON object per line)")
    return Dataset(meta=meta, path=path, sha256=hashlib.sha256(raw).hexdigest(), cases=cases)
