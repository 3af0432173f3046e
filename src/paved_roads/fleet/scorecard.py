"""`fleet scorecard`: one row per generated project, scored on the portfolio rubric, with prune and reuse flags.

Per repo it reads what the project itself writes: `governance.yml` (product line, owners, tier, OKR,
thresholds, budget), the latest evidence bundle (`var/evidence/evidence.json`), the eval report and
its history (`var/evals/latest.json`, `var/evals/history.jsonl`), the cost export
(`var/reports/cost-export.json`, `<slug> cost export`), and the template version and drift
(`fleet status`). `var/` is what CI keeps as artifacts: point the manifest at checkouts where they are.

Rubric (each 0-3; RUBRIC below says exactly how): outcomes, reliability & safety, reuse, cost discipline,
learning loop. Prune candidates (PRUNE_RULES): no production path; no eval improvement over N weeks;
budget burn with no OKR movement. Reuse: template commits with a `Fed-back-from: <repo>` trailer.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from ..git_repo import is_git_url
from .manifest import Repo
from .status import repo_status

PRODUCTION_OVERLAY = "deploy/kubernetes/overlays/production/kustomization.yaml"
REUSE_TRAILER = "Fed-back-from"
OKR_TOLERANCE = 0.01  # an OKR metric that moved less than this did not move
BURN_RATIO = 0.5  # projected month-end spend >= this share of the monthly budget is a burn
RUBRIC = {
    "outcomes": "3 OKR metric meets its target; 2 within 10 % of it; 1 further; 0 no eval report",
    "reliability & safety": "3 gate passes, eval thresholds met; 2 gate passes with waivers or missed"
    " thresholds; 1 gate fails; 0 no evidence bundle",
    "reuse": "3 fed a change back into the template; 2 on the newest template release; 1 behind within"
    " the tier's allowance; 0 too far behind or unknown",
    "cost discipline": "3 projected month-end spend <= 80 % of budget; 2 <= 100 %; 1 over budget; 0 no cost export",
    "learning loop": "3 >= 4 eval runs in the window and the OKR metric improved; 2 >= 2 runs; 1 one run; 0 none",
}
PRUNE_RULES = {
    "no-production-path": "no passing gate evidence, or no production deploy overlay",
    "no-eval-improvement": "eval history spans the window and the OKR metric's best in it is not better than"
    " its value at the window's start (by more than the tolerance)",
    "burn-without-okr-movement": f"projected month-end spend >= {BURN_RATIO:.0%} of the monthly budget while the"
    " OKR metric moved less than the tolerance over the window",
}


@dataclass
class Card:
    name: str
    feature: str = ""
    pattern: str = ""
    product_line: str = ""
    owner_team: str = ""
    owners: list[str] = field(default_factory=list)
    tier: str = ""
    okr_metric: str = ""
    okr_target: float | None = None
    okr_value: float | None = None
    okr_lower_is_better: bool = False
    okr_trend: list[tuple[str, float]] = field(default_factory=list)  # (ISO time, value), oldest first
    thresholds: dict[str, float] = field(default_factory=dict)
    thresholds_met: bool | None = None
    eval_runs_in_window: int = 0
    okr_movement: float | None = None  # improvement over the window (positive = better)
    gate_verdict: str | None = None
    gate_commit: str = ""
    gate_at: str = ""
    gate_failing: list[str] = field(default_factory=list)
    gate_waived: list[str] = field(default_factory=list)
    monthly_budget_usd: float | None = None
    month_spend_usd: float | None = None
    projected_usd: float | None = None
    spend_by_feature: dict[str, float] = field(default_factory=dict)
    template_version: str | None = None
    versions_behind: int | None = None
    allowed_behind: int | None = None
    drift: str = "unknown"
    production_overlay: bool = False
    fed_back: list[str] = field(default_factory=list)  # template commits crediting this repo
    scores: dict[str, int] = field(default_factory=dict)
    prune: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.scores.values())


Reader = Callable[[str], str | None]


def _reader(repo: Repo, workdir: Path) -> Reader:
    """Files of the repo: a local checkout's working tree (with var/), or a git URL's branch."""
    if repo.is_local:
        root = Path(repo.url)
        return lambda name: (root / name).read_text(encoding="utf-8") if (root / name).is_file() else None
    clone = workdir / "scorecard" / repo.name
    if not clone.is_dir():
        command = ["git", "clone", "--quiet", "--depth", "1", "--branch", repo.branch, "--no-checkout"]
        done = subprocess.run([*command, repo.url, str(clone)], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"cannot read {repo.url}: {done.stderr.strip()}")

    def read(name: str) -> str | None:
        shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=clone, capture_output=True, text=True)
        return shown.stdout if shown.returncode == 0 else None

    return read


def _json(read: Reader, name: str) -> Any:
    text = read(name)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_card(repo: Repo, workdir: Path, *, now: datetime, weeks: int, reuse: dict[str, list[str]]) -> Card:
    card = Card(repo.name)
    try:
        read = _reader(repo, workdir)
    except RuntimeError as error:
        card.errors.append(str(error))
        score(card)
        return card
    governance = yaml.safe_load(read("governance.yml") or "{}") or {}
    okr = governance.get("okr") or {}
    card.feature, card.pattern = str(governance.get("feature", "")), str(governance.get("pattern", ""))
    card.product_line = str(governance.get("product_line") or "unassigned")
    card.owner_team, card.owners = str(governance.get("owner_team", "")), list(governance.get("owners") or [])
    card.tier, card.okr_metric = str(governance.get("risk_tier", "")), str(okr.get("metric", ""))
    card.okr_target = float(okr["target"]) if isinstance(okr.get("target"), int | float) else None
    card.thresholds = dict((governance.get("evals") or {}).get("thresholds") or {})
    card.monthly_budget_usd = (governance.get("budget") or {}).get("monthly_usd")
    _read_evals(card, read, now=now, weeks=weeks)
    _read_evidence(card, read)
    _read_costs(card, read)
    card.production_overlay = read(PRODUCTION_OVERLAY) is not None
    try:
        status = repo_status(repo, workdir)
        card.template_version, card.versions_behind = status.template_version, status.versions_behind
        card.allowed_behind, card.drift = status.allowed_behind, status.drift
        if status.error:
            card.errors.append(f"template drift: {status.error}")
    except Exception as error:  # one unreadable repo does not hide the others
        card.errors.append(f"template drift: {str(error).splitlines()[0]}")
    card.fed_back = reuse.get(repo.name, []) + (reuse.get(card.feature, []) if card.feature != repo.name else [])
    score(card)
    flag_prune(card)
    return card


def _read_evals(card: Card, read: Reader, *, now: datetime, weeks: int) -> None:
    latest = _json(read, "var/evals/latest.json")
    if isinstance(latest, dict):
        card.thresholds_met = bool(latest.get("thresholds_met"))
        card.okr_lower_is_better = (latest.get("directions") or {}).get(card.okr_metric) == "lower"
        value = (latest.get("metrics") or {}).get(card.okr_metric)
        card.okr_value = float(value) if isinstance(value, int | float) else None
    runs = []
    for line in (read("var/evals/history.jsonl") or "").splitlines():
        try:
            run = json.loads(line)
        except ValueError:
            continue
        moment, value = _parse_time(run.get("started_at")), (run.get("metrics") or {}).get(card.okr_metric)
        if moment is not None and isinstance(value, int | float):
            runs.append((moment, float(value)))
    runs.sort()
    card.okr_trend = [(moment.isoformat(timespec="seconds"), value) for moment, value in runs]
    start = now - timedelta(weeks=weeks)
    window = [value for moment, value in runs if moment >= start]
    card.eval_runs_in_window = len(window)
    before = [value for moment, value in runs if moment <= start]
    if before and window:
        sign = -1.0 if card.okr_lower_is_better else 1.0
        card.okr_movement = round(max(sign * (value - before[-1]) for value in window), 6)


def _read_evidence(card: Card, read: Reader) -> None:
    evidence = _json(read, "var/evidence/evidence.json")
    if not isinstance(evidence, dict):
        return
    card.gate_verdict, card.gate_commit = evidence.get("verdict"), str(evidence.get("commit", ""))
    card.gate_at = str(evidence.get("generated_at", ""))
    controls = evidence.get("controls") or []
    card.gate_failing = [c["id"] for c in controls if c.get("status") == "fail"]
    card.gate_waived = [c["id"] for c in controls if c.get("status") == "waived"]


def _read_costs(card: Card, read: Reader) -> None:
    export = _json(read, "var/reports/cost-export.json")
    if not isinstance(export, dict):
        return
    projection = export.get("projection") or {}
    card.monthly_budget_usd = export.get("monthly_budget_usd", card.monthly_budget_usd)
    card.month_spend_usd = (projection.get("total") or {}).get("month_to_date_usd")
    card.projected_usd = (projection.get("total") or {}).get("projected_month_end_usd")
    card.spend_by_feature = {
        name: float(entry.get("month_to_date_usd", 0.0)) for name, entry in (projection.get("features") or {}).items()
    }


def score(card: Card) -> None:
    """The rubric, exactly as RUBRIC words it."""
    outcomes = 0
    if card.okr_value is not None and card.okr_target is not None:
        gap = (card.okr_value - card.okr_target) * (-1 if card.okr_lower_is_better else 1)
        outcomes = 3 if gap >= 0 else 2 if abs(gap) <= 0.1 * abs(card.okr_target or 1) else 1
    reliability = 0
    if card.gate_verdict == "pass":
        reliability = 3 if card.thresholds_met and not card.gate_waived else 2
    elif card.gate_verdict:
        reliability = 1
    reuse = 0
    if card.fed_back:
        reuse = 3
    elif card.drift == "current":
        reuse = 2
    elif card.drift == "behind":
        reuse = 1
    cost = 0
    if card.projected_usd is not None and card.monthly_budget_usd:
        ratio = card.projected_usd / card.monthly_budget_usd
        cost = 3 if ratio <= 0.8 else 2 if ratio <= 1.0 else 1
    runs, moved = card.eval_runs_in_window, card.okr_movement
    learning = 3 if runs >= 4 and moved is not None and moved > OKR_TOLERANCE else 2 if runs >= 2 else min(runs, 1)
    card.scores = {
        "outcomes": outcomes,
        "reliability & safety": reliability,
        "reuse": reuse,
        "cost discipline": cost,
        "learning loop": learning,
    }


def flag_prune(card: Card) -> None:
    """The prune rules, exactly as PRUNE_RULES words them; each flag says why."""
    flags = []
    if card.gate_verdict != "pass" or not card.production_overlay:
        missing = "no passing gate evidence" if card.gate_verdict != "pass" else "no production overlay"
        flags.append(f"no-production-path: {missing}")
    if card.okr_movement is not None and card.okr_movement <= OKR_TOLERANCE:
        flags.append(f"no-eval-improvement: {card.okr_metric} best change {card.okr_movement:+.3f} in the window")
    burning = (
        card.projected_usd is not None
        and card.monthly_budget_usd
        and (card.projected_usd >= BURN_RATIO * card.monthly_budget_usd)
    )
    if burning and (card.okr_movement is None or card.okr_movement <= OKR_TOLERANCE):
        moved = "no eval history over the window" if card.okr_movement is None else f"{card.okr_movement:+.3f}"
        flags.append(
            f"burn-without-okr-movement: projected ${card.projected_usd:,.2f} of ${card.monthly_budget_usd:,.2f},"
            f" {card.okr_metric} {moved}"
        )
    card.prune = flags


def template_reuse(sources: set[str], workdir: Path) -> dict[str, list[str]]:
    """{repo or feature name: [template commit subjects]} from `Fed-back-from:` trailers in the template history."""
    credited: dict[str, list[str]] = {}
    for source in sorted(sources):
        where = Path(source)
        if is_git_url(source):
            where = workdir / "scorecard-template" / str(abs(hash(source)))
            if not where.is_dir():
                subprocess.run(
                    ["git", "clone", "--quiet", "--bare", "--filter=blob:none", source, str(where)],
                    capture_output=True,
                    check=False,
                )
        log = subprocess.run(
            ["git", "log", f"--format=%h %s%x09%(trailers:key={REUSE_TRAILER},valueonly,separator=%x2C)%x00"],
            cwd=where,
            capture_output=True,
            text=True,
            check=False,
        )
        for record in log.stdout.split("\0"):
            subject, _, names = record.strip().partition("\t")
            for name in filter(None, (part.strip() for part in names.split(","))):
                credited.setdefault(name, []).append(subject)
    return credited


def _template_sources(repos: list[Repo], workdir: Path) -> set[str]:
    sources = set()
    for repo in repos:
        try:
            answers = yaml.safe_load(_reader(repo, workdir)(".copier-answers.yml") or "{}") or {}
        except RuntimeError:
            continue
        if answers.get("_src_path"):
            sources.add(str(answers["_src_path"]))
    return sources


def build_scorecard(
    repos: list[Repo], workdir: Path, *, weeks: int = 6, now: datetime | None = None, template: str | None = None
) -> dict[str, Any]:
    moment = now or datetime.now(UTC)
    reuse = template_reuse({template} if template else _template_sources(repos, workdir), workdir)
    cards = [build_card(repo, workdir, now=moment, weeks=weeks, reuse=reuse) for repo in repos]
    return {
        "generated": moment.isoformat(timespec="seconds"),
        "weeks": weeks,
        "rubric": RUBRIC,
        "prune_rules": PRUNE_RULES,
        "cards": cards,
    }
