"""Thresholds from `governance.yml` and the committed baseline (`evals/baseline.json`).

A threshold is an absolute floor (or, for `<metric>_max`, a ceiling); the baseline is the last
accepted run, so a change that keeps a metric above its floor but still makes it worse than
before shows up as a regression. The gate's Rego policy applies the same rules to the same
numbers; this module gives the eval report and the command line the identical verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .metrics import NOT_COMPARED_TO_BASELINE, direction_of

if TYPE_CHECKING:
    from .runner import EvalRun

BASELINE_SCHEMA = "paved-roads/eval-baseline@1"
EPSILON = 1e-9  # 0.8 - 0.02 is 0.7800000000000001 in floating point; equal must not regress


@dataclass(frozen=True)
class ThresholdCheck:
    key: str
    metric: str
    bound: str  # "min" | "max"
    threshold: float
    value: float | None
    passed: bool


@dataclass(frozen=True)
class Comparison:
    metric: str
    baseline: float
    value: float | None
    delta: float | None
    direction: str
    regressed: bool


def check_thresholds(metrics: dict[str, float], thresholds: dict[str, float]) -> list[ThresholdCheck]:
    """A metric nobody measured fails its threshold: no evidence is not good evidence."""
    checks = []
    for key, threshold in sorted(thresholds.items()):
        metric, bound = (key.removesuffix("_max"), "max") if key.endswith("_max") else (key, "min")
        value = metrics.get(metric)
        if value is None:
            passed = False
        elif bound == "max":
            passed = value <= threshold + EPSILON
        else:
            passed = value >= threshold - EPSILON
        checks.append(ThresholdCheck(key, metric, bound, float(threshold), value, passed))
    return checks


def compare_with_baseline(
    metrics: dict[str, float],
    baseline: dict[str, float],
    tolerance: float,
    directions: dict[str, str] | None = None,
) -> list[Comparison]:
    """Compare every baselined metric; one that is no longer measured counts as regressed.

    `directions` (a report's record) says which metrics are better lower; registered metrics
    and the run metrics are known without it.
    """
    comparisons = []
    for name, before in sorted(baseline.items()):
        if name in NOT_COMPARED_TO_BASELINE:
            continue
        direction = direction_of(name, directions)
        now = metrics.get(name)
        if now is None:
            comparisons.append(Comparison(name, before, None, None, direction, True))
            continue
        regressed = now < before - tolerance - EPSILON if direction == "higher" else now > before + tolerance + EPSILON
        comparisons.append(Comparison(name, before, now, round(now - before, 6), direction, regressed))
    return comparisons


def load_baseline(path: Path) -> dict[str, Any] | None:
    """The committed baseline, or None when there is none yet."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ConfigError(f"{path}: not valid JSON ({error.msg}); rewrite it with `eval --update-baseline`") from error
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise ConfigError(f"{path}: needs a 'metrics' object; rewrite it with `eval --update-baseline`")
    return data


def write_baseline(path: Path, run: EvalRun) -> Path:
    """Accept this run as the new baseline (commit the file; reviewers see the metric diff)."""
    data = {
        "schema": BASELINE_SCHEMA,
        "accepted_at": datetime.now(UTC).date().isoformat(),
        "model": run.model,
        "provider": run.provider,
        "datasets": {dataset.meta.name: dataset.meta.version for dataset in run.datasets},
        "cases": len(run.results),
        "metrics": {k: v for k, v in run.metrics.items() if k not in NOT_COMPARED_TO_BASELINE},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def as_dicts(items: list[ThresholdCheck] | list[Comparison]) -> list[dict[str, Any]]:
    return [asdict(item) for item in items]
