"""`cost report`: spend against budget as a text table and a self-contained HTML page.

The HTML has inline SVG charts and inline CSS only (no JavaScript, no CDN, no fonts to
fetch) so it opens from a CI artifact or an e-mail attachment with the network off.
"""

from __future__ import annotations

import html
import json
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from ..governance import Budget
from .cost_ledger import TOTAL, CostLedger, day_key, month_key, utc
from .guard import BudgetGuard, project_month_end
from .pricing import to_usd

REPORT_FILE = "cost-report.html"
HISTORY_DAYS = 30


@dataclass(frozen=True)
class SpendRow:
    """One line of the report: a feature, or the project total (`scope == TOTAL`)."""

    scope: str
    today_usd: float
    month_to_date_usd: float
    projected_usd: float
    daily: list[tuple[str, float]]  # (YYYY-MM-DD, USD) for the last HISTORY_DAYS days
    month_daily: list[float]  # USD per day of this month, day 1 to today

    @property
    def label(self) -> str:
        return "TOTAL" if self.scope == TOTAL else self.scope


def spend_rows(ledger: CostLedger, now: datetime) -> list[SpendRow]:
    """Features with spend in the last HISTORY_DAYS days, then the project total."""
    days = [now - timedelta(days=back) for back in range(HISTORY_DAYS - 1, -1, -1)]
    first, last = day_key(days[0]), day_key(days[-1])
    rows = []
    for scope in [*ledger.features(first, last), TOTAL]:
        series = ledger.series(scope, first, last)
        month_start = now.replace(day=1)
        month_series = ledger.series(scope, day_key(month_start), last)
        month_to_date = to_usd(ledger.spent_nano(scope, month_key(now)))
        rows.append(
            SpendRow(
                scope=scope,
                today_usd=to_usd(series.get(last, 0)),
                month_to_date_usd=month_to_date,
                projected_usd=project_month_end(month_to_date, now),
                daily=[(day_key(day)[1:], to_usd(series.get(day_key(day), 0))) for day in days],
                month_daily=[
                    to_usd(month_series.get(day_key(month_start + timedelta(days=i)), 0)) for i in range(now.day)
                ],
            )
        )
    return rows


def status(row: SpendRow, budget: Budget) -> str:
    if row.today_usd >= budget.daily_usd or row.month_to_date_usd >= budget.monthly_usd:
        return "hard limit"
    soft = budget.soft_limit_ratio
    if row.today_usd >= soft * budget.daily_usd or row.month_to_date_usd >= soft * budget.monthly_usd:
        return "soft limit"
    return "projected over" if row.projected_usd > budget.monthly_usd else "ok"


def text_table(rows: list[SpendRow], budget: Budget, now: datetime) -> str:
    header = ["feature", "today", "daily budget", "month-to-date", "monthly budget", "% used", "projected", "status"]
    lines = [header]
    for row in rows:
        used = row.month_to_date_usd / budget.monthly_usd
        lines.append(
            [
                row.label,
                f"{row.today_usd:.4f}",
                f"{budget.daily_usd:.2f}",
                f"{row.month_to_date_usd:.4f}",
                f"{budget.monthly_usd:.2f}",
                f"{used:.1%}",
                f"{row.projected_usd:.4f}",
                status(row, budget),
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = ["  ".join(_align(line, widths)) for line in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    return f"Spend in USD, {now:%Y-%m-%d %H:%M} UTC (month {now:%Y-%m})\n" + "\n".join(rendered)


def _align(cells: list[str], widths: list[int]) -> list[str]:
    """Names left, numbers right."""
    return [cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(cells, widths, strict=True))]


def _bars_svg(daily: list[tuple[str, float]], limit: float, title: str) -> str:
    """Daily spend bars with the daily limit as a dashed line."""
    width, height, pad = 600, 160, 24
    top = max([limit, *(usd for _, usd in daily)]) * 1.1 or 1.0
    step = (width - 2 * pad) / len(daily)

    def y(usd: float) -> float:
        return height - pad - (height - 2 * pad) * usd / top

    bars = "".join(
        f'<rect x="{pad + i * step + 1:.1f}" y="{y(usd):.1f}" width="{max(step - 2, 1):.1f}"'
        f' height="{height - pad - y(usd):.1f}"><title>{day}: {usd:.4f} USD</title></rect>'
        for i, (day, usd) in enumerate(daily)
    )
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}">'
        f'<g class="bars">{bars}</g>'
        f'<line class="limit" x1="{pad}" x2="{width - pad}" y1="{y(limit):.1f}" y2="{y(limit):.1f}"/>'
        f'<text x="{pad}" y="14">{html.escape(title)} (dashed: daily budget {limit:.2f})</text>'
        f'<text x="{pad}" y="{height - 6}">{daily[0][0]}</text>'
        f'<text x="{width - pad}" y="{height - 6}" text-anchor="end">{daily[-1][0]}</text></svg>'
    )


def _month_svg(row: SpendRow, limit: float, now: datetime) -> str:
    """Cumulative spend this month, its projection (dotted) and the monthly budget (dashed)."""
    width, height, pad = 600, 160, 24
    month_days = monthrange(now.year, now.month)[1]
    top = max(limit, row.projected_usd, row.month_to_date_usd) * 1.1 or 1.0

    def x(day: float) -> float:
        return pad + (width - 2 * pad) * day / month_days

    def y(usd: float) -> float:
        return height - pad - (height - 2 * pad) * usd / top

    cumulative = [0.0, *accumulate(row.month_daily)]
    actual = " ".join(f"{x(day):.1f},{y(usd):.1f}" for day, usd in enumerate(cumulative))
    projection = f"{x(now.day):.1f},{y(row.month_to_date_usd):.1f} {x(month_days):.1f},{y(row.projected_usd):.1f}"
    return (
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="month to date">'
        f'<polyline class="actual" points="{actual}"/><polyline class="projection" points="{projection}"/>'
        f'<line class="limit" x1="{pad}" x2="{width - pad}" y1="{y(limit):.1f}" y2="{y(limit):.1f}"/>'
        f'<text x="{pad}" y="14">{now:%B %Y}: {row.month_to_date_usd:.4f} so far, projected'
        f" {row.projected_usd:.4f} (dashed: monthly budget {limit:.2f})</text></svg>"
    )


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}
td,th{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}
svg{width:100%;max-width:600px;background:#fafafa;margin:.3rem 0}.bars rect{fill:#4a78b5}
.limit{stroke:#c0392b;stroke-dasharray:6 4}.actual{fill:none;stroke:#4a78b5;stroke-width:2}
.projection{fill:none;stroke:#888;stroke-dasharray:2 3;stroke-width:2}text{font-size:11px;fill:#444}
.hard-limit{color:#c0392b;font-weight:bold}.soft-limit,.projected-over{color:#b9770e}
"""


def render_html(rows: list[SpendRow], budget: Budget, events: list[tuple[str, ...]], now: datetime) -> str:
    head = "".join(
        f"<th>{name}</th>" for name in ("feature", "today", "month-to-date", "% of monthly", "projected", "status")
    )
    body = "".join(
        f"<tr><td>{html.escape(row.label)}</td><td>{row.today_usd:.4f}</td><td>{row.month_to_date_usd:.4f}</td>"
        f"<td>{row.month_to_date_usd / budget.monthly_usd:.1%}</td><td>{row.projected_usd:.4f}</td>"
        f'<td class="{status(row, budget).replace(" ", "-")}">{status(row, budget)}</td></tr>'
        for row in rows
    )
    charts = "".join(
        f"<section><h2>{html.escape(row.label)}</h2>"
        f"{_bars_svg(row.daily, budget.daily_usd, f'Daily spend, last {HISTORY_DAYS} days')}"
        f"{_month_svg(row, budget.monthly_usd, now)}</section>"
        for row in rows
    )
    event_rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in event) + "</tr>" for event in events
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Cost report</title>'
        f"<style>{_STYLE}</style></head><body><h1>Cost report, {now:%Y-%m-%d %H:%M} UTC</h1>"
        f"<p>Budget from governance.yml: {budget.daily_usd:.2f} USD/day, {budget.monthly_usd:.2f} USD/month,"
        f" soft limit at {budget.soft_limit_ratio:.0%}, on hard limit: {budget.on_hard_limit}.</p>"
        f"<table><tr>{head}</tr>{body}</table>{charts}"
        "<h2>Budget events</h2><table><tr><th>when (UTC)</th><th>event</th><th>feature</th><th>times</th>"
        f"<th>detail</th></tr>{event_rows or '<tr><td colspan=5>none</td></tr>'}</table></body></html>\n"
    )


def render_cost_report(
    ledger: CostLedger, budget: Budget, out_dir: Path, *, now: datetime | None = None
) -> tuple[str, Path]:
    """Print-ready table and the path of the HTML report written to `out_dir`."""
    moment = utc(now or datetime.now(UTC))
    rows = spend_rows(ledger, moment)
    events = [
        (f"{e.last_at:%Y-%m-%d %H:%M}", e.kind, e.scope, str(e.count), str(e.detail.get("message", "")))
        for e in reversed(ledger.events())
    ]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / REPORT_FILE
    path.write_text(render_html(rows, budget, events, moment), encoding="utf-8")
    return text_table(rows, budget, moment), path


EXPORT_FILE = "cost-export.json"
EXPORT_MONTHS = 6


def export_costs(guard: BudgetGuard, out_dir: Path, *, now: datetime | None = None) -> Path:
    """Spend per feature per month (the last EXPORT_MONTHS) and the month-end projection, as JSON.

    The portfolio scorecard (`paved-roads fleet scorecard`) reads this file from each repo: CI
    keeps it as an artifact, so the fleet view needs no access to any project's ledger.
    """
    moment = utc(now or datetime.now(UTC))
    ledger = guard.ledger
    months, cursor = [], moment.replace(day=1)
    for _ in range(EXPORT_MONTHS):
        months.append(month_key(cursor))
        cursor = (cursor - timedelta(days=1)).replace(day=1)
    spend: dict[str, dict[str, float]] = {}
    for month in reversed(months):
        spend[month[1:]] = {
            feature: round(to_usd(ledger.spent_nano(feature, month)), 6) for feature in ledger.features(month)
        }
    document = {
        "schema": "paved-roads/cost-export@1",
        "as_of": moment.isoformat(timespec="seconds"),
        "monthly_budget_usd": guard.budget.monthly_usd,
        "daily_budget_usd": guard.budget.daily_usd,
        "months": spend,
        "projection": guard.projection(),
    }
    path = Path(out_dir) / EXPORT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return path
