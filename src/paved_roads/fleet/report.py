"""The fleet report: JSON for machines, Markdown for a CI summary, one self-contained HTML page."""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .engine import OUTCOMES, RepoOutcome

COLOURS = {
    "up-to-date": "#e8f5e9",
    "updated": "#c8e6c9",
    "skipped-deleted": "#fff8e1",
    "conflicts": "#ffe0b2",
    "gate-failed": "#ffcdd2",
    "error": "#ef9a9a",
}


def build_report(results: list[RepoOutcome], *, shard: str | None = None, to: str | None = None) -> dict[str, Any]:
    counts = Counter(r.outcome for r in results)
    return {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "shard": shard,
        "to": to or "newest release",
        "counts": {outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
        "repos": [asdict(r) for r in results],
    }


def merge_reports(paths: list[Path]) -> dict[str, Any]:
    """One report from the per-shard reports of a CI job matrix."""
    repos: dict[str, dict] = {}
    to = None
    for path in paths:
        data = json.loads(path.read_text())
        to = to or data.get("to")
        for repo in data["repos"]:
            repos[repo["name"]] = repo
    results = [RepoOutcome(**repos[name]) for name in sorted(repos)]
    report = build_report(results, shard=f"merged from {len(paths)} reports", to=to)
    return report


def _details(repo: dict) -> list[str]:
    lines = []
    lines += [f"conflict `{c['path']}`: {c['detail']}" for c in repo["conflicts"]]
    lines += [f"skipped `{s['path']}`: {s['detail']}" for s in repo["skipped"]]
    lines += [f"carried `{c['path']}`: {c['detail']}" for c in repo["carried"]]
    if repo["check"] and not repo["check"]["passed"]:
        lines.append(f"check `{repo['check']['failed']}` failed")
    lines += list(repo["notes"])
    return lines


def markdown(report: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {outcome}" for outcome, n in report["counts"].items() if n)
    lines = [
        f"# Fleet update to {report['to']}",
        "",
        f"{len(report['repos'])} repos{' (' + report['shard'] + ')' if report['shard'] else ''}: {counts}",
        "",
        "| repo | outcome | versions | branch | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for repo in report["repos"]:
        versions = f"{repo['from_version'] or '?'} → {repo['to_version'] or '?'}"
        summary = repo["summary"].replace("|", "\\|")
        lines.append(f"| {repo['name']} | {repo['outcome']} | {versions} | {repo['branch'] or ''} | {summary} |")
    for repo in report["repos"]:
        details = _details(repo)
        if details:
            lines += ["", f"## {repo['name']}: {repo['outcome']}", ""] + [f"- {d}" for d in details]
            if repo["check"] and repo["check"].get("output_tail"):
                lines += ["", "```", repo["check"]["output_tail"][-1500:], "```"]
    return "\n".join(lines) + "\n"


def html_page(report: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    for repo in report["repos"]:
        details = "".join(f"<li>{e(d)}</li>" for d in _details(repo))
        tail = repo["check"].get("output_tail") if repo["check"] else ""
        more = f"<details><summary>details</summary><ul>{details}</ul>" if details else ""
        if more and tail:
            more += f"<pre>{e(tail[-3000:])}</pre>"
        more += "</details>" if more else ""
        rows.append(
            f'<tr style="background:{COLOURS.get(repo["outcome"], "#fff")}"><td>{e(repo["name"])}</td>'
            f"<td><b>{e(repo['outcome'])}</b></td><td>{e(str(repo['from_version']))} → {e(str(repo['to_version']))}"
            f"</td><td>{e(repo['branch'] or '')}</td><td>{e(repo['summary'])}{more}</td></tr>"
        )
    counts = " · ".join(f"{n} {e(o)}" for o, n in report["counts"].items() if n)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Fleet update</title><style>"
        "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}pre{white-space:pre-wrap}"
        f"</style></head><body><h1>Fleet update to {e(report['to'])}</h1><p>{len(report['repos'])} repos: {counts}"
        f" — generated {e(report['generated'])}</p><table><tr><th>repo</th><th>outcome</th><th>versions</th>"
        f"<th>branch</th><th>summary</th></tr>{''.join(rows)}</table></body></html>\n"
    )


def write_report(report: dict[str, Any], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "fleet-report.json", folder / "fleet-report.md", folder / "fleet-report.html"]
    written[0].write_text(json.dumps(report, indent=2, default=str))
    written[1].write_text(markdown(report))
    written[2].write_text(html_page(report))
    return written
