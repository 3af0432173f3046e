"""Check PromQL (alert rules, recording rules, dashboard queries) against what a running service exports.

`exported(body)` reads a `/metrics` scrape; `unknown_names(queries, samples)` parses every query
with a real PromQL parser and lists each metric, label or label value it reads that the scrape does
not have. Used by the SLO rules test and the dashboards/alerts test, so a renamed metric, label or
route fails a test instead of leaving an empty panel or an alert that can never fire.
"""

import re
from collections.abc import Iterable

import promql_parser
from prometheus_client.parser import text_string_to_metric_families

Samples = dict[str, list[dict[str, str]]]
TARGET_LABELS = {"job", "instance"}  # Prometheus adds these when it scrapes
# Grafana's built-in intervals, then dashboard variables ($job, ${feature}); only used in =~ matchers.
_INTERVALS = re.compile(r"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}")
_VARIABLE = re.compile(r"\$\{\w+\}|\$\w+")


def exported(metrics_text: str) -> Samples:
    """{sample name: [labels of each sample]} from a Prometheus text exposition."""
    samples: Samples = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample.labels)
    return samples


def parse(expr: str) -> promql_parser.Expr:
    """Parse a query, with Grafana's `$__rate_interval` and `$variables` replaced by plain values."""
    return promql_parser.parse(_VARIABLE.sub(".*", _INTERVALS.sub("5m", expr)))


def _walk(node, selectors: list, groupings: list[list[str]]) -> None:
    if isinstance(node, promql_parser.VectorSelector):
        selectors.append(node)
        return
    if isinstance(node, promql_parser.MatrixSelector):
        selectors.append(node.vector_selector)
        return
    if isinstance(node, promql_parser.AggregateExpr):
        if node.modifier is not None:
            groupings.append(list(node.modifier.labels))
        _walk(node.expr, selectors, groupings)
        return
    if isinstance(node, promql_parser.BinaryExpr):
        if node.modifier is not None:
            if node.modifier.matching is not None:
                groupings.append(list(node.modifier.matching.labels))
            groupings.append(list(node.modifier.group_labels or []))
        _walk(node.lhs, selectors, groupings)
        _walk(node.rhs, selectors, groupings)
        return
    if isinstance(node, promql_parser.Call):
        for argument in node.args:
            _walk(argument, selectors, groupings)
        return
    if isinstance(node, promql_parser.ParenExpr | promql_parser.SubqueryExpr | promql_parser.UnaryExpr):
        _walk(node.expr, selectors, groupings)


def unknown_names(
    queries: Iterable[tuple[str, str]], samples: Samples, recorded: dict[str, set[str]] | None = None
) -> list[str]:
    """Every (name, expr) query's metric, label or `=` label value that `samples` does not have.

    `recorded`: metrics made by recording rules ({name: labels they carry}); they are not scraped.
    Labels in `by`, `without`, `on`, `ignoring` and `group_left/right` must be carried by a metric the
    query reads (or be a target label).
    """
    recorded = recorded or {}
    problems = []
    for name, expr in queries:
        selectors: list = []
        groupings: list[list[str]] = []
        try:
            _walk(parse(expr), selectors, groupings)
        except ValueError as error:
            problems.append(f"{name}: not valid PromQL: {error}")
            continue
        carried = set(TARGET_LABELS)
        for selector in selectors:
            metric = selector.name
            if metric in recorded:
                carried |= recorded[metric]
                continue
            if metric not in samples:
                problems.append(f"{name}: metric {metric} is not exported")
                continue
            carried |= {label for labels in samples[metric] for label in labels}
            for matcher in selector.matchers.matchers:
                label, value = matcher.name, matcher.value
                if label == "__name__":
                    continue
                if label not in TARGET_LABELS and not any(label in labels for labels in samples[metric]):
                    problems.append(f"{name}: {metric} has no label {label}")
                elif (
                    matcher.op == promql_parser.MatchOp.Equal
                    and label not in TARGET_LABELS
                    and not any(labels.get(label) == value for labels in samples[metric])
                ):
                    problems.append(f'{name}: {metric} never has {label}="{value}"')
        for labels in groupings:
            for label in labels:
                if label not in carried:
                    problems.append(f"{name}: groups by {label}, which no metric it reads carries")
    return problems


def rule_queries(rules: dict) -> tuple[list[tuple[str, str]], dict[str, set[str]]]:
    """A Prometheus rules file's (name, expr) pairs and the metrics its recording rules make (with their labels)."""
    queries, recorded = [], {}
    for group in rules["groups"]:
        for rule in group["rules"]:
            queries.append((rule.get("record") or rule["alert"], rule["expr"]))
            if "record" in rule:
                recorded.setdefault(rule["record"], set()).update(rule.get("labels") or {})
    return queries, recorded
