"""The Grafana dashboard every generated project ships, built with Grafana's own Foundation SDK.

`paved-roads dashboards` writes `templates/platform/dashboards/governed-ai.json`; `--check` (and
`tests/test_dashboards.py`) fails when the committed file is not what this module builds. The JSON
is plain (no Jinja): every project exports the same metric names, so one dashboard serves every
project, with a `job` variable to pick one or several. The generated project's own test scrapes its
running service and checks every query here against the metric names it actually exports.

Sections: spend per feature, budget burn-down, anomaly and hard-limit alerts, token usage, latency,
errors, guard verdicts and eval scores against their thresholds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .generate import TEMPLATE_ROOT

DASHBOARD = TEMPLATE_ROOT / "templates" / "platform" / "dashboards" / "governed-ai.json"
GENERATED_FROM = "src/paved_roads/dashboards.py"
UID = "paved-roads-governed-ai"
JOB = 'job=~"$job"'
RATE = "$__rate_interval"


class MissingBuilder(RuntimeError):
    """grafana-foundation-sdk is not installed; the message says how to install it."""


def _sdk() -> Any:
    try:
        from grafana_foundation_sdk.builders import bargauge, dashboard, prometheus, stat, timeseries
        from grafana_foundation_sdk.cog.encoder import JSONEncoder
        from grafana_foundation_sdk.models.dashboard import DataSourceRef
    except ImportError as error:
        raise MissingBuilder(
            "the dashboard is built with grafana-foundation-sdk: pip install -e '.[test]' -c constraints.txt"
        ) from error
    return dashboard, prometheus, timeseries, stat, bargauge, JSONEncoder, DataSourceRef


def queries() -> dict[str, list[tuple[str, str]]]:
    """Panel title -> [(PromQL, legend)]: the dashboard's content, kept apart from its layout."""
    spent_month = f'max without (instance) (paved_roads_budget_spent_usd{{{JOB},paved_roads_budget_period="month"}})'
    limit = (
        "max by (job) (paved_roads_budget_limit_usd{{{job},"
        'paved_roads_budget_period="month",paved_roads_budget_level="{level}"}})'
    )
    http = f"http_server_request_duration_seconds_count{{{JOB}"
    verdicts = f"paved_roads_guard_verdicts_total{{{JOB}"
    return {
        "Spend per feature (USD per interval)": [
            (
                f"sum by (paved_roads_feature) (increase(paved_roads_cost_usd_total{{{JOB}}}[{RATE}]))",
                "{{paved_roads_feature}}",
            )
        ],
        "Budget burn-down: spend this month against the limits": [
            (f"sum by (job) ({spent_month})", "spent this month"),
            (limit.format(job=JOB, level="soft"), "soft limit"),
            (limit.format(job=JOB, level="hard"), "hard limit"),
        ],
        "Budget left in the tightest window, per feature": [
            (f"min by (paved_roads_feature) (paved_roads_budget_remaining_usd{{{JOB}}})", "{{paved_roads_feature}}")
        ],
        "Month spend as a share of the hard limit": [
            (f"sum by (job) ({spent_month}) / {limit.format(job=JOB, level='hard')}", "{{job}}")
        ],
        "Spend anomalies and hard-limit hits (per hour)": [
            (
                f"sum by (paved_roads_feature) (increase(paved_roads_budget_anomalies_total{{{JOB}}}[1h]))",
                "anomaly {{paved_roads_feature}}",
            ),
            (
                "sum by (paved_roads_feature, paved_roads_budget_outcome) "
                f"(increase(paved_roads_budget_hard_limit_total{{{JOB}}}[1h]))",
                "{{paved_roads_budget_outcome}} {{paved_roads_feature}}",
            ),
        ],
        "Token usage (tokens/s)": [
            (
                "sum by (gen_ai_request_model, gen_ai_token_type) "
                f"(rate(gen_ai_client_token_usage_sum{{{JOB}}}[{RATE}]))",
                "{{gen_ai_request_model}} {{gen_ai_token_type}}",
            )
        ],
        "Model call latency p50 / p95 (s)": [
            (
                f"histogram_quantile({q}, sum by (le, gen_ai_request_model) "
                f"(rate(gen_ai_client_operation_duration_seconds_bucket{{{JOB}}}[{RATE}])))",
                f"p{int(q * 100)} {{{{gen_ai_request_model}}}}",
            )
            for q in (0.5, 0.95)
        ],
        "Request latency p95 per route (s)": [
            (
                "histogram_quantile(0.95, sum by (le, http_route) "
                f"(rate(http_server_request_duration_seconds_bucket{{{JOB}}}[{RATE}])))",
                "{{http_route}}",
            )
        ],
        "Error rate (share of requests answered 5xx)": [
            (
                f'sum by (job) (rate({http},http_response_status_code=~"5.."}}[{RATE}])) '
                f"/ sum by (job) (rate({http}}}[{RATE}]))",
                "{{job}}",
            )
        ],
        "Guard verdicts (per second)": [
            (
                f"sum by (paved_roads_guard_name, paved_roads_guard_action) (rate({verdicts}}}[{RATE}]))",
                "{{paved_roads_guard_name}} {{paved_roads_guard_action}}",
            )
        ],
        "Guard block rate (share of verdicts)": [
            (
                f'sum by (paved_roads_guard_name) (rate({verdicts},paved_roads_guard_action="block"}}[{RATE}])) '
                f"/ sum by (paved_roads_guard_name) (rate({verdicts}}}[{RATE}]))",
                "{{paved_roads_guard_name}}",
            )
        ],
        "Eval scores (latest report)": [
            (f"max by (paved_roads_eval_metric) (paved_roads_eval_score{{{JOB}}})", "{{paved_roads_eval_metric}}")
        ],
        "Eval thresholds (governance.yml)": [
            (
                f"max by (paved_roads_eval_metric, paved_roads_eval_bound) (paved_roads_eval_threshold{{{JOB}}})",
                "{{paved_roads_eval_bound}} {{paved_roads_eval_metric}}",
            )
        ],
    }


# (row title, [(panel title, kind, unit, width)]); kind: timeseries | stat | bars
LAYOUT = [
    (
        "Spend and budget",
        [
            ("Spend per feature (USD per interval)", "timeseries", "currencyUSD", 12),
            ("Budget burn-down: spend this month against the limits", "timeseries", "currencyUSD", 12),
            ("Budget left in the tightest window, per feature", "timeseries", "currencyUSD", 8),
            ("Month spend as a share of the hard limit", "stat", "percentunit", 6),
            ("Spend anomalies and hard-limit hits (per hour)", "bars", "short", 10),
        ],
    ),
    (
        "Model calls and requests",
        [
            ("Token usage (tokens/s)", "timeseries", "short", 6),
            ("Model call latency p50 / p95 (s)", "timeseries", "s", 6),
            ("Request latency p95 per route (s)", "timeseries", "s", 6),
            ("Error rate (share of requests answered 5xx)", "timeseries", "percentunit", 6),
        ],
    ),
    (
        "Guards and evals",
        [
            ("Guard verdicts (per second)", "timeseries", "short", 8),
            ("Guard block rate (share of verdicts)", "timeseries", "percentunit", 6),
            ("Eval scores (latest report)", "bargauge", "short", 5),
            ("Eval thresholds (governance.yml)", "bargauge", "short", 5),
        ],
    ),
]


def build() -> dict[str, Any]:
    """The dashboard as Grafana's JSON model."""
    dashboard, prometheus, timeseries, stat, bargauge, encoder, datasource_ref = _sdk()
    datasource = datasource_ref(type_val="prometheus", uid="${datasource}")
    content = queries()
    builder = (
        dashboard.Dashboard("Governed AI feature: spend, guards, evals")
        .uid(UID)
        .description("paved-roads platform metrics: budget, model calls, guards and evals (one dashboard per fleet)")
        .tags(["paved-roads", "genai", "governance"])
        .refresh("1m")
        .time("now-24h", "now")
        .timezone("utc")
        .with_variable(dashboard.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
        .with_variable(
            dashboard.QueryVariable("job")
            .label("Service")
            .datasource(datasource)
            .query("label_values(paved_roads_guard_verdicts_total, job)")
            .multi(True)
            .include_all(True)
            .all_value(".*")
        )
    )
    kinds = {"timeseries": timeseries.Panel, "stat": stat.Panel, "bars": timeseries.Panel, "bargauge": bargauge.Panel}
    for row, panels in LAYOUT:
        builder = builder.with_row(dashboard.Row(row))
        for title, kind, unit, width in panels:
            panel = kinds[kind]().title(title).datasource(datasource).unit(unit).span(width).height(8)
            if kind == "bars":
                panel = panel.draw_style("bars").fill_opacity(80)
            for index, (expr, legend) in enumerate(content[title]):
                query = prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(chr(ord("A") + index))
                panel = panel.with_target(query.instant() if kind in {"stat", "bargauge"} else query)
            builder = builder.with_panel(panel)
    return _without_nulls(json.loads(json.dumps(builder.build(), cls=encoder)))


def _without_nulls(value: Any) -> Any:
    """Drop unset fields (`"options": null`): Grafana fills its defaults for absent keys, not for nulls."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def write(path: Path = DASHBOARD, *, check: bool = False) -> bool:
    """Write the dashboard (or with `check`, only compare); True when the file already matched."""
    text = render()
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return True
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return False
