"""The scorecard as Markdown, CSV and one self-contained HTML page with inline SVG charts (no JS, no CDN)."""

from __future__ import annotations

import csv
import html
import io
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from .scorecard import Card

TIER_COLOURS = {"low": "#81c784", "medium": "#ffb74d", "high": "#e57373"}
FEATURE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f")
SCORE_COLOURS = {0: "#ffcdd2", 1: "#ffe0b2", 2: "#fff9c4", 3: "#c8e6c9"}
COLUMNS = (
    "repo",
    "product_line",
    "feature",
    "pattern",
    "tier",
    "owners",
    "okr_metric",
    "okr_value",
    "okr_target",
    "gate",
    "month_spend_usd",
    "projected_usd",
    "monthly_budget_usd",
    "template_version",
    "versions_behind",
    "drift",
    "fed_back",
    "outcomes",
    "reliability & safety",
    "reuse",
    "cost discipline",
    "learning loop",
    "total",
    "prune",
    "errors",
)


def order(card: Card) -> tuple:
    """Product line, best total first; repos that could not be read last."""
    return (bool(card.errors and not card.feature), card.product_line, -card.total, card.name)


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.2f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def row(card: Card) -> dict[str, Any]:
    return {
        "repo": card.name,
        "product_line": card.product_line,
        "feature": card.feature,
        "pattern": card.pattern,
        "tier": card.tier,
        "owners": " ".join(card.owners),
        "okr_metric": card.okr_metric,
        "okr_value": card.okr_value,
        "okr_target": card.okr_target,
        "gate": card.gate_verdict or "none",
        "month_spend_usd": card.month_spend_usd,
        "projected_usd": card.projected_usd,
        "monthly_budget_usd": card.monthly_budget_usd,
        "template_version": card.template_version,
        "versions_behind": card.versions_behind,
        "drift": card.drift,
        "fed_back": len(card.fed_back),
        **card.scores,
        "total": card.total,
        "prune": "; ".join(card.prune),
        "errors": "; ".join(card.errors),
    }


def to_csv(scorecard: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for card in scorecard["cards"]:
        writer.writerow({key: "" if value is None else value for key, value in row(card).items()})
    return buffer.getvalue()


def to_markdown(scorecard: dict[str, Any]) -> str:
    cards: list[Card] = scorecard["cards"]
    rubric = list(scorecard["rubric"])
    lines = [
        "# Portfolio scorecard",
        "",
        f"{len(cards)} repos, generated {scorecard['generated']}; window {scorecard['weeks']} weeks. Scores 0-3.",
        "",
        "| repo | product line | tier | OKR | gate | spend / budget | template | "
        + " | ".join(rubric)
        + " | total | prune |",
        "|" + " --- |" * (8 + len(rubric)),
    ]
    for card in sorted(cards, key=order):
        okr = f"{card.okr_metric} {_num(card.okr_value)} / {_num(card.okr_target)}"
        spend = f"{_money(card.month_spend_usd)} / {_money(card.monthly_budget_usd)}"
        template = f"{card.template_version or '?'} ({card.drift})"
        scores = " | ".join(str(card.scores[name]) for name in rubric)
        prune = "<br>".join(flag.split(":")[0] for flag in card.prune) or "-"
        lines.append(
            f"| {card.name} | {card.product_line} | {card.tier} | {okr} | {card.gate_verdict or 'none'} | {spend} |"
            f" {template} | {scores} | {card.total} | {prune} |"
        )
    flagged = [card for card in cards if card.prune]
    lines += ["", "## Prune candidates", ""]
    lines += [f"- **{card.name}**: " + "; ".join(card.prune) for card in flagged] or ["none"]
    lines += ["", "## Reuse: changes fed back into the template", ""]
    lines += [f"- **{card.name}**: " + "; ".join(card.fed_back) for card in cards if card.fed_back] or ["none"]
    errors = [f"- {card.name}: " + "; ".join(card.errors) for card in cards if card.errors]
    if errors:
        lines += ["", "## Could not read", "", *errors]
    lines += ["", "## Rules", ""]
    lines += [f"- **{name}**: {text}" for name, text in scorecard["rubric"].items()]
    lines += [f"- prune **{name}**: {text}" for name, text in scorecard["prune_rules"].items()]
    return "\n".join(lines) + "\n"


# -- charts ----------------------------------------------------------------------------------------


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(label)}" viewBox="0 0 {width} {height}" font-family="system-ui,sans-serif" '
        f'font-size="11">{body}</svg>'
    )


def cost_chart(cards: list[Card]) -> str:
    """Month-to-date spend per feature as a share of each repo's monthly budget; projection tick; 100 % line."""
    rows = [card for card in cards if card.monthly_budget_usd and card.month_spend_usd is not None]
    features = sorted({name for card in rows for name in card.spend_by_feature})
    colour = {name: FEATURE_COLOURS[i % len(FEATURE_COLOURS)] for i, name in enumerate(features)}
    left, width, bar, top = 130, 420, 18, 24
    scale = width / 1.5  # 0 .. 150 % of budget
    parts = [f'<text x="{left}" y="14">0 %</text>', f'<text x="{left + scale - 14}" y="14">budget</text>']
    for index, card in enumerate(rows):
        y = top + index * (bar + 8)
        parts.append(f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{html.escape(card.name)}</text>')
        x = float(left)
        for name in features:
            share = card.spend_by_feature.get(name, 0.0) / card.monthly_budget_usd
            w = min(share, 1.5) * scale
            if w > 0:
                tip = f"{card.name} {name}: ${card.spend_by_feature[name]:,.2f}"
                parts.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour[name]}">'
                    f"<title>{html.escape(tip)}</title></rect>"
                )
                x += w
        if card.projected_usd is not None:
            px = left + min(card.projected_usd / card.monthly_budget_usd, 1.5) * scale
            parts.append(
                f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y - 2}" y2="{y + bar + 2}" stroke="#333" '
                'stroke-width="2" stroke-dasharray="3 2"><title>projected month end</title></line>'
            )
    bottom = top + len(rows) * (bar + 8)
    parts.append(f'<line x1="{left + scale}" x2="{left + scale}" y1="18" y2="{bottom}" stroke="#c62828"/>')
    legend_y = bottom + 16
    for index, name in enumerate(features):
        lx = left + index * 110
        parts.append(f'<rect x="{lx}" y="{legend_y - 9}" width="10" height="10" fill="{colour[name]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{legend_y}">{html.escape(name)}</text>')
    parts.append(f'<text x="{left}" y="{legend_y + 16}">dashed: projected month end</text>')
    return _svg(left + width + 20, legend_y + 24, "".join(parts), "cost against budget per feature")


def eval_chart(card: Card, *, start: datetime, end: datetime) -> str:
    """The OKR metric over the window's runs, with its target line."""
    width, height, pad = 240, 110, 18
    values = [value for _, value in card.okr_trend] + ([card.okr_target] if card.okr_target is not None else [])
    parts = [f'<text x="4" y="12">{html.escape(card.name)}: {html.escape(card.okr_metric)}</text>']
    if not card.okr_trend:
        parts.append(f'<text x="4" y="{height / 2}" fill="#888">no eval history</text>')
        return _svg(width, height, "".join(parts), f"{card.name} eval trend")
    low, high = min(values) - 0.05, max(values) + 0.05
    span_t = max((end - start).total_seconds(), 1.0)

    def x(moment: str) -> float:
        seconds = (datetime.fromisoformat(moment) - start).total_seconds()
        return pad + max(0.0, min(seconds / span_t, 1.0)) * (width - 2 * pad)

    def y(value: float) -> float:
        return height - pad - (value - low) / ((high - low) or 1) * (height - 2 * pad)

    if card.okr_target is not None:
        ty = y(card.okr_target)
        parts.append(
            f'<line x1="{pad}" x2="{width - pad}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="#c62828" '
            'stroke-dasharray="4 3"><title>target</title></line>'
        )
    points = " ".join(f"{x(moment):.1f},{y(value):.1f}" for moment, value in card.okr_trend)
    parts.append(f'<polyline points="{points}" fill="none" stroke="#1565c0" stroke-width="2"/>')
    for moment, value in card.okr_trend:
        parts.append(
            f'<circle cx="{x(moment):.1f}" cy="{y(value):.1f}" r="2.5" fill="#1565c0">'
            f"<title>{html.escape(moment[:10])}: {value:.3f}</title></circle>"
        )
    return _svg(width, height, "".join(parts), f"{card.name} eval trend")


def drift_chart(cards: list[Card]) -> str:
    left, bar, top = 130, 16, 10
    unit = 40
    parts = []
    for index, card in enumerate(cards):
        y = top + index * (bar + 6)
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{html.escape(card.name)}</text>')
        behind = card.versions_behind
        colour = {"current": "#81c784", "behind": "#ffb74d", "too far behind": "#e57373"}.get(card.drift, "#bdbdbd")
        if behind is None:
            parts.append(f'<text x="{left}" y="{y + 12}" fill="#888">unknown</text>')
            continue
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(behind * unit, 2)}" height="{bar}" fill="{colour}">'
            f"<title>{behind} behind, {card.allowed_behind} allowed</title></rect>"
        )
        if card.allowed_behind is not None:
            ax = left + card.allowed_behind * unit
            parts.append(f'<line x1="{ax}" x2="{ax}" y1="{y - 2}" y2="{y + bar + 2}" stroke="#333"/>')
        parts.append(f'<text x="{left + max(behind * unit, 2) + 4}" y="{y + 12}">{behind}</text>')
    height = top + len(cards) * (bar + 6) + 16
    parts.append(f'<text x="{left}" y="{height - 2}">releases behind the template (line: the tier\'s allowance)</text>')
    return _svg(left + 6 * unit + 120, height, "".join(parts), "template drift across the fleet")


def tier_chart(cards: list[Card]) -> str:
    counts = Counter(card.tier or "unknown" for card in cards)
    width, x, parts = 420, 0.0, []
    total = sum(counts.values()) or 1
    for tier in ("low", "medium", "high", "unknown"):
        if counts.get(tier):
            w = counts[tier] / total * width
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="26" fill="{TIER_COLOURS.get(tier, "#bdbdbd")}"/>'
            )
            parts.append(f'<text x="{x + 6:.1f}" y="17">{tier} {counts[tier]}</text>')
            x += w
    return _svg(width, 28, "".join(parts), "tier mix")


def to_html(scorecard: dict[str, Any]) -> str:
    cards: list[Card] = scorecard["cards"]
    rubric = list(scorecard["rubric"])
    end = datetime.fromisoformat(scorecard["generated"])
    start = min((datetime.fromisoformat(m) for c in cards for m, _ in c.okr_trend), default=end)
    head = "".join(f"<th title='{html.escape(scorecard['rubric'][n])}'>{html.escape(n)}</th>" for n in rubric)
    body = []
    for card in sorted(cards, key=order):
        scores = "".join(
            f'<td style="background:{SCORE_COLOURS[card.scores[n]]}">{card.scores[n]}</td>' for n in rubric
        )
        prune = "<br>".join(html.escape(flag) for flag in card.prune) or "-"
        reuse = f"<br><small>fed back: {len(card.fed_back)}</small>" if card.fed_back else ""
        okr = f"{html.escape(card.okr_metric)} {_num(card.okr_value)} / {_num(card.okr_target)}"
        body.append(
            f"<tr><th>{html.escape(card.name)}{reuse}</th><td>{html.escape(card.product_line)}</td>"
            f"<td>{html.escape(card.tier)}</td><td>{okr}</td><td>{html.escape(card.gate_verdict or 'none')}</td>"
            f"<td>{_money(card.month_spend_usd)} / {_money(card.monthly_budget_usd)}</td>"
            f"<td>{html.escape(str(card.template_version or '?'))} ({html.escape(card.drift)})</td>"
            f"{scores}<td><b>{card.total}</b>/15</td><td class=prune>{prune}</td></tr>"
        )
    trends = "".join(eval_chart(card, start=start, end=end) for card in cards)
    rules = "".join(f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in scorecard["rubric"].items())
    rules += "".join(
        f"<li>prune <b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in scorecard["prune_rules"].items()
    )
    errors = "".join(
        f"<li>{html.escape(card.name)}: {html.escape('; '.join(card.errors))}</li>" for card in cards if card.errors
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Portfolio scorecard</title><style>"
        "body{font:13px system-ui,sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:.5em 0}"
        "td,th{border:1px solid #ddd;padding:.3em .5em;text-align:center}th{background:#fafafa}"
        "td.prune{text-align:left;color:#b71c1c;max-width:22em}.charts{display:flex;flex-wrap:wrap;gap:2em}"
        "h2{margin-top:1.2em}</style>"
        f"<h1>Portfolio scorecard</h1><p>{len(cards)} repos · generated {html.escape(scorecard['generated'])} · "
        f"window {scorecard['weeks']} weeks · scores 0-3 per rubric column (hover a header for its rule)</p>"
        "<table><tr><th>repo</th><th>product line</th><th>tier</th><th>OKR value / target</th><th>gate</th>"
        f"<th>month spend / budget</th><th>template</th>{head}<th>total</th><th>prune candidate</th></tr>"
        f"{''.join(body)}</table>"
        "<div class=charts><div><h2>Cost against budget per feature</h2>"
        f"{cost_chart(cards)}</div><div><h2>Template drift</h2>{drift_chart(cards)}"
        f"<h2>Tier mix</h2>{tier_chart(cards)}</div></div>"
        f"<h2>OKR eval metric over time against its target</h2><div class=charts>{trends}</div>"
        f"<h2>Rules</h2><ul>{rules}</ul>"
        + (f"<h2>Could not read</h2><ul>{errors}</ul>" if errors else "")
        + "</html>\n"
    )


def write_scorecard(scorecard: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "scorecard.html", out / "scorecard.md", out / "scorecard.csv"]
    paths[0].write_text(to_html(scorecard), encoding="utf-8")
    paths[1].write_text(to_markdown(scorecard), encoding="utf-8")
    paths[2].write_text(to_csv(scorecard), encoding="utf-8")
    return paths
