"""Service level objectives as code: `slo.yml` in, Prometheus multi-window burn-rate alerts out.

Each objective names one endpoint (method and route, as FastAPI declares it) and one kind:
- `availability`: the share of requests not answered with a 5xx;
- `latency`: the share of requests answered within `threshold_s` (a bucket bound of the
  `http.server.request.duration` histogram, so Prometheus can count them exactly).

The alerts follow the multi-window, multi-burn-rate recipe of Google's SRE workbook: page when
2 % of the window's error budget burns in an hour (14.4x) or 5 % in six hours (6x), open a
ticket at 10 % in a day (3x) or 10 % in three days (1x); each long window is paired with a short
one so an alert stops soon after the burning does. `<slug> slo rules` writes the rules file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from ..errors import ConfigError
from . import semconv as sc

KINDS = ("availability", "latency")
WINDOW_DAYS = {"7d": 7, "28d": 28, "30d": 30}
# (severity, long window, short window, burn rate): the SRE workbook's table for a 30-day window.
BURN_ALERTS = (
    ("page", "1h", "5m", 14.4),
    ("page", "6h", "30m", 6.0),
    ("ticket", "1d", "2h", 3.0),
    ("ticket", "3d", "6h", 1.0),
)
RECORDED_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
DURATION = re.sub(r"\W", "_", sc.HTTP_SERVER_REQUEST_DURATION) + "_seconds"  # as /metrics names it
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Objective:
    name: str
    method: str
    route: str
    kind: Literal["availability", "latency"]
    target: float  # share of good requests, e.g. 0.995
    threshold_s: float | None = None

    @property
    def selector(self) -> str:
        return f'http_route="{self.route}",http_request_method="{self.method}"'

    def bad_ratio(self, window: str) -> str:
        """PromQL: the share of this endpoint's requests in `window` that missed the objective."""
        total = f"sum(rate({DURATION}_count{{{self.selector}}}[{window}]))"
        if self.kind == "availability":
            errors = f'sum(rate({DURATION}_count{{{self.selector},http_response_status_code=~"5.."}}[{window}]))'
            return f"{errors} / {total}"
        bound = _le(self.threshold_s or 0.0)
        fast = f'sum(rate({DURATION}_bucket{{{self.selector},le="{bound}"}}[{window}]))'
        return f"1 - ({fast} / {total})"


@dataclass(frozen=True)
class SloFile:
    service: str
    window: str
    objectives: list[Objective]


def load_slo(path: Path) -> SloFile:
    """Read and check `slo.yml`; a mistake raises ConfigError naming the field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path.name}: cannot read: {str(error).splitlines()[0]}") from None
    unknown = sorted(set(data) - {"service", "window", "objectives"})
    if unknown:
        raise ConfigError(f"{path.name}: unknown key {unknown[0]!r}")
    window = str(data.get("window", "30d"))
    if window not in WINDOW_DAYS:
        raise ConfigError(f"{path.name}: window must be one of {', '.join(WINDOW_DAYS)}, got {window!r}")
    objectives, seen = [], set()
    for index, raw in enumerate(data.get("objectives") or []):
        objective = _objective(path.name, index, raw)
        if objective.name in seen:
            raise ConfigError(f"{path.name}: objectives[{index}].name {objective.name!r} is used twice")
        seen.add(objective.name)
        objectives.append(objective)
    if not objectives:
        raise ConfigError(f"{path.name}: objectives: list at least one endpoint objective")
    return SloFile(str(data.get("service") or ""), window, objectives)


def _objective(file: str, index: int, raw: Any) -> Objective:
    where = f"{file}: objectives[{index}]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping")
    fields = {"name", "method", "route", "kind", "target", "threshold_s"}
    unknown = sorted(set(raw) - fields)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}")
    name, kind = str(raw.get("name", "")), raw.get("kind")
    if not _NAME.match(name):
        raise ConfigError(f"{where}.name must be lowercase letters, digits and dashes, got {name!r}")
    if kind not in KINDS:
        raise ConfigError(f"{where}.kind must be one of {', '.join(KINDS)}, got {kind!r}")
    method, route = str(raw.get("method", "")).upper(), str(raw.get("route", ""))
    if method not in {"GET", "POST", "PUT", "PATCH", "DELETE"}:
        raise ConfigError(f"{where}.method must be an HTTP method, got {raw.get('method')!r}")
    if not route.startswith("/"):
        raise ConfigError(f"{where}.route must be the route as declared, e.g. /query, got {route!r}")
    target = raw.get("target")
    if not isinstance(target, int | float) or not 0.5 <= target < 1:
        raise ConfigError(f"{where}.target must be a share of good requests in [0.5, 1), e.g. 0.995, got {target!r}")
    threshold = raw.get("threshold_s")
    if kind == "latency":
        if threshold not in sc.HTTP_SERVER_DURATION_BUCKETS:
            bounds = ", ".join(_le(bound) for bound in sc.HTTP_SERVER_DURATION_BUCKETS)
            raise ConfigError(f"{where}.threshold_s must be a histogram bucket bound ({bounds}), got {threshold!r}")
    elif threshold is not None:
        raise ConfigError(f"{where}.threshold_s applies to latency objectives only")
    return Objective(name, method, route, kind, float(target), float(threshold) if threshold is not None else None)


def burn_rate_rules(slo: SloFile) -> dict[str, Any]:
    """The Prometheus rules file: recorded bad-request ratios per window, then the burn-rate alerts."""
    groups = []
    for objective in slo.objectives:
        labels = {"slo": objective.name, "service": slo.service}
        recorded = [
            {"record": f"slo:bad_ratio:rate{window}", "expr": objective.bad_ratio(window), "labels": {**labels}}
            for window in RECORDED_WINDOWS
        ]
        budget = round(1 - objective.target, 6)
        alerts = []
        for severity, long, short, rate in BURN_ALERTS:
            threshold = round(rate * budget, 6)
            alerts.append(
                {
                    "alert": f"SLOBurn{severity.title()}",
                    "expr": (
                        f'slo:bad_ratio:rate{long}{{slo="{objective.name}"}} > {threshold}'
                        f' and slo:bad_ratio:rate{short}{{slo="{objective.name}"}} > {threshold}'
                    ),
                    "for": "2m" if severity == "page" else "15m",
                    "labels": {**labels, "severity": severity, "long_window": long},
                    "annotations": {
                        "summary": f"{slo.service} {objective.method} {objective.route}: {objective.kind} SLO burning",
                        "description": (
                            f"{objective.name} (target {objective.target:.3%} over {slo.window}) burns its error "
                            f"budget {rate}x faster than sustainable over {long} and {short}."
                        ),
                    },
                }
            )
        groups.append({"name": f"slo-{objective.name}", "rules": [*recorded, *alerts]})
    return {"groups": groups}


def render_rules(slo: SloFile) -> str:
    header = "# Generated from slo.yml by `slo rules`; edit slo.yml, not this file.\n"
    return header + yaml.safe_dump(burn_rate_rules(slo), sort_keys=False, width=200)


def _le(bound: float) -> str:
    """A bucket bound as Prometheus writes it in the `le` label (1 -> "1.0")."""
    return repr(float(bound))
