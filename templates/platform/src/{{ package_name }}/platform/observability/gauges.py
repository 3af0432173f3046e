"""Values read when metrics are collected: spend against the budget's limits, the latest eval scores.

Each function returns `[(value, attributes), ...]` for `Telemetry.observe`. They read the shared
cost ledger and the eval report at scrape time, so every worker process reports the same numbers
and the request path pays nothing for them. The dashboards in `dashboards/` and the alert rules in
`observability/alerts.yml` are written against these series.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..budget.cost_ledger import CostLedger, day_key, month_key
from ..budget.pricing import to_usd
from ..governance import Budget
from . import semconv as sc

Series = list[tuple[float, dict[str, str]]]


def budget_spent(ledger: CostLedger, features: Callable[[], Iterable[str]], *, now: datetime | None = None) -> Series:
    """Spend so far this UTC day and month for every feature billed this month (by any process)."""
    moment = now or datetime.now(UTC)
    periods = (("day", day_key(moment)), ("month", month_key(moment)))
    names = sorted({*features(), *ledger.features(month_key(moment))})
    return [
        (to_usd(ledger.spent_nano(feature, key)), {sc.FEATURE: feature, sc.BUDGET_PERIOD: period})
        for feature in names
        for period, key in periods
    ]


def budget_limits(budget: Budget) -> Series:
    """governance.yml's hard limits and the soft limits (hard x soft_limit_ratio) the alerts compare against."""
    series: Series = []
    for period, hard in (("day", budget.daily_usd), ("month", budget.monthly_usd)):
        series.append((hard, {sc.BUDGET_PERIOD: period, sc.BUDGET_LEVEL: "hard"}))
        series.append((round(hard * budget.soft_limit_ratio, 6), {sc.BUDGET_PERIOD: period, sc.BUDGET_LEVEL: "soft"}))
    return series


def eval_scores(report: Path) -> Series:
    """Every numeric metric of the latest eval report (`make eval` writes it); nothing before the first run."""
    document = _read(report)
    metrics = document.get("metrics") or {}
    return [
        (float(value), {sc.EVAL_METRIC: str(name)})
        for name, value in sorted(metrics.items())
        if isinstance(value, int | float) and not isinstance(value, bool)
    ]


def eval_thresholds(thresholds: dict[str, float]) -> Series:
    """governance.yml's eval thresholds: a key ending in `_max` is an upper bound on the metric without it."""
    series: Series = []
    for key, value in sorted(thresholds.items()):
        metric, bound = (key.removesuffix("_max"), "max") if key.endswith("_max") else (key, "min")
        series.append((float(value), {sc.EVAL_METRIC: metric, sc.EVAL_BOUND: bound}))
    return series


def _read(report: Path) -> dict:
    try:
        loaded = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
