"""Eval reports: JSON for the gate and for machines, Markdown for the CI summary, HTML for people.

All three are rendered from one document (`run_document`), so they can never disagree.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from .baseline import Comparison, ThresholdCheck, as_dicts
from .runner import EvalRun

REPORT_SCHEMA = "paved-roads/eval-run@1"
_MAX_TEXT = 400  # keep answers in the report readable; the full text is in no one's interest here


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        return value[:_MAX_TEXT] + "…"
    if isinstance(value, list):
        return [_short(item) for item in value[:20]]
    if isinstance(value, dict):
        return {key: _short(item) for key, item in value.items()}
    return value


def run_document(
    run: EvalRun,
    *,
    project: str,
    tier: str,
    thresholds: list[ThresholdCheck],
    comparisons: list[Comparison],
    baseline_path: str,
    baseline_found: bool,
    tolerance: float,
) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "project": project,
        "tier": tier,
        "started_at": run.started_at,
        "duration_s": run.duration_s,
        "cold_start_s": run.cold_start_s,
        "workers": run.workers,
        "provider": run.provider,
        "model": run.model,
        "fingerprint": run.fingerprint,
        "fingerprint_parts": run.fingerprint_parts,
        "prompts": run.prompt_refs,
        "datasets": [
            {
                "name": d.meta.name,
                "version": d.meta.version,
                "sha256": d.sha256,
                "cases": len(d.cases),
                "owner": d.meta.owner,
                "provenance": d.meta.provenance,
                "freshness_date": d.meta.freshness_date.isoformat(),
                "permissible_use": d.meta.permissible_use,
            }
            for d in run.datasets
        ],
        "cases_total": len(run.results),
        "errors": run.errors,
        "cost_total_usd": run.cost_total_usd,
        "metrics": run.metrics,
        "metric_counts": run.metric_counts,
        "directions": run.directions,
        "metrics_by_dataset": run.metrics_by_dataset,
        "thresholds": as_dicts(thresholds),
        "thresholds_met": all(check.passed for check in thresholds),
        "baseline": {
            "path": baseline_path,
            "found": baseline_found,
            "tolerance": tolerance,
            "comparisons": as_dicts(comparisons),
            "regressions": [c.metric for c in comparisons if c.regressed],
        },
        "cases": [
            {
                "id": r.case.id,
                "dataset": r.case.dataset,
                "tags": list(r.case.tags),
                "latency_s": round(r.latency_s, 4),
                "cold": r.cold,
                "scores": r.scores,
                "error": r.error,
                "prediction": _short(r.prediction),
            }
            for r in run.results
        ],
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "not measured"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _verdict_lines(doc: dict[str, Any]) -> list[str]:
    missed = [t["key"] for t in doc["thresholds"] if not t["passed"]]
    regressed = doc["baseline"]["regressions"]
    lines = [f"- Thresholds: {'all met' if not missed else 'MISSED ' + ', '.join(missed)}"]
    if not doc["baseline"]["found"]:
        lines.append(f"- Baseline: none at `{doc['baseline']['path']}` (write one with `eval --update-baseline`)")
    else:
        tolerance = doc["baseline"]["tolerance"]
        lines.append(
            f"- Baseline: {'no regression' if not regressed else 'REGRESSED ' + ', '.join(regressed)}"
            f" (tolerance {tolerance})"
        )
    lines.append(f"- Errors: {doc['errors']} of {doc['cases_total']} cases")
    return lines


def _failing_cases(doc: dict[str, Any], limit: int = 20) -> list[dict[str, Any]]:
    failing = [c for c in doc["cases"] if c["error"] or any(_is_bad(name, v) for name, v in c["scores"].items())]
    return failing[:limit]


def _is_bad(name: str, value: float) -> bool:
    return value > 0 if name == "unsafe_execution_rate" else value < 1


def _passed(ok: bool) -> str:
    return "pass" if ok else "**FAIL**"


def render_markdown(doc: dict[str, Any]) -> str:
    out = [
        f"## Eval report: {doc['project']} ({doc['tier']} tier)",
        "",
        f"{doc['cases_total']} cases from {len(doc['datasets'])} dataset(s) in {doc['duration_s']} s on "
        f"{doc['workers']} workers; provider `{doc['provider']}`, model `{doc['model']}`; "
        f"prompts {', '.join(f'`{p}`' for p in doc['prompts']) or 'none recorded'}. "
        f"Latency percentiles are of warm cases; cold start (a worker's first case) {doc['cold_start_s']} s.",
        "",
        *_verdict_lines(doc),
        "",
        "| Threshold | Bound | Value | Result |",
        "| --- | --- | --- | --- |",
        *[
            f"| `{t['key']}` | {t['bound']} {t['threshold']:g} | {_fmt(t['value'])} | {_passed(t['passed'])} |"
            for t in doc["thresholds"]
        ],
        "",
        "| Metric | Value | Cases | Baseline | Change |",
        "| --- | --- | --- | --- | --- |",
    ]
    baseline = {c["metric"]: c for c in doc["baseline"]["comparisons"]}
    for name, value in doc["metrics"].items():
        comparison = baseline.get(name)
        before = _fmt(comparison["baseline"]) if comparison else ""
        change = ""
        if comparison:
            change = ("**regressed** " if comparison["regressed"] else "") + _fmt(comparison["delta"])
        out.append(f"| `{name}` | {_fmt(value)} | {doc['metric_counts'].get(name, '')} | {before} | {change} |")
    out += [
        "",
        "| Dataset | Version | Cases | Owner | Fresh as of | Permissible use |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    out += [
        "| "
        + " | ".join(str(d[k]) for k in ("name", "version", "cases", "owner", "freshness_date", "permissible_use"))
        + " |"
        for d in doc["datasets"]
    ]
    failing = _failing_cases(doc)
    if failing:
        out += [
            "",
            "Cases with a score below 1 (first 20):",
            "",
            "| Case | Dataset | Scores | Error |",
            "| --- | --- | --- | --- |",
        ]
        for case in failing:
            scores = ", ".join(f"{k}={v:.2g}" for k, v in case["scores"].items() if _is_bad(k, v))
            out.append(f"| `{case['id']}` | {case['dataset']} | {scores} | {case['error'] or ''} |")
    return "\n".join(out) + "\n"


def render_html(doc: dict[str, Any]) -> str:
    esc = html.escape

    def table(headers: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{esc(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def status(ok: bool) -> str:
        return '<span class="ok">pass</span>' if ok else '<span class="bad">FAIL</span>'

    thresholds = [
        [esc(t["key"]), f"{t['bound']} {t['threshold']:g}", esc(_fmt(t["value"])), status(t["passed"])]
        for t in doc["thresholds"]
    ]
    comparisons = [
        [
            esc(c["metric"]),
            esc(_fmt(c["baseline"])),
            esc(_fmt(c["value"])),
            esc(_fmt(c["delta"])),
            status(not c["regressed"]),
        ]
        for c in doc["baseline"]["comparisons"]
    ]
    cases = [
        [
            esc(c["id"]),
            esc(c["dataset"]),
            f"{c['latency_s']:.3f}",
            esc(", ".join(f"{k}={v:.2g}" for k, v in c["scores"].items())),
            esc(str(c["prediction"].get("answer", ""))[:200]),
            esc(c["error"] or ""),
        ]
        for c in doc["cases"]
    ]
    verdict = "".join(f"<li>{esc(line[2:])}</li>" for line in _verdict_lines(doc))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Eval report: {esc(doc["project"])}</title>
<style>
body {{ font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #1b1f24; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }} .ok {{ color: #1a7f37; }} .bad {{ color: #cf222e; font-weight: 600; }}
code {{ background: #f6f8fa; padding: 0 0.2rem; }}
</style></head><body>
<h1>Eval report: {esc(doc["project"])} <small>({esc(doc["tier"])} tier)</small></h1>
<p>{doc["cases_total"]} cases, {doc["duration_s"]} s, provider <code>{esc(doc["provider"])}</code>,
model <code>{esc(doc["model"])}</code>, started {esc(doc["started_at"])}.
Fingerprint <code>{esc(doc["fingerprint"][:19])}</code>.</p>
<ul>{verdict}</ul>
<h2>Thresholds (governance.yml)</h2>{table(["Threshold", "Bound", "Value", "Result"], thresholds)}
<h2>Against the baseline</h2>{table(["Metric", "Baseline", "Now", "Change", "Result"], comparisons)}
<h2>Cases</h2>{table(["Case", "Dataset", "Seconds", "Scores", "Answer", "Error"], cases)}
</body></html>
"""


def write_reports(doc: dict[str, Any], out_dir: Path, stem: str = "latest") -> dict[str, Path]:
    """Write `<stem>.json`, `.md` and `.html` into `out_dir`; returns the paths by format."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html"}
    paths["json"].write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(doc), encoding="utf-8")
    paths["html"].write_text(render_html(doc), encoding="utf-8")
    return paths
