"""Build the gate's one input document from governance, runtime state, eval results and the repo.

Every section is collected independently and never raises: a section that cannot be read says
so in an `error` field, and the policy turns that into a failing control with the reason. The
tier comes from `governance.yml`; when that file does not load, the gate assumes `high` (the
strictest) rather than letting a broken file lower the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml

from ..assets import inventory
from ..errors import AssetError, ConfigError
from ..evals.fingerprint import config_fingerprint, config_parts
from ..governance import Governance, load_governance
from ..settings import Settings
from .git import change_author, project_files
from .repo_facts import codeowners, entry, junit_results, rollback_plan, shown, template_drift
from .report_facts import eval_facts, shadow_facts
from .reviews import project_owners, review_facts
from .runtime_facts import audit_facts, budget_facts, guard_facts, open_runtime
from .secrets_scan import SecretScan
from .waivers import load_waivers

TIERS = ("low", "medium", "high")
TEST_RESULTS = "test-results.xml"  # written by `make test` (pytest --junitxml=var/test-results.xml)


@dataclass
class Facts:
    document: dict[str, Any]
    evidence: dict[str, list[dict[str, Any]]]


def collect_facts(settings: Settings, *, today: date) -> Facts:
    root = settings.project_root
    data_dir = settings.path(settings.data_dir)
    files = project_files(root)
    scan = _safely(lambda: SecretScan(root, files, cache=data_dir / "cache" / "secrets-scan.json"), None)
    governance, raw, gov_facts = _governance(settings)
    tier = governance.risk_tier if governance else (raw.get("risk_tier") if raw.get("risk_tier") in TIERS else "high")
    runtime, runtime_error = open_runtime(settings, governance)
    try:
        parts = config_parts(settings)
        owners = project_owners(root, raw)
        author, aliases = change_author(root)
        sections: dict[str, dict[str, Any]] = {
            "governance": gov_facts,
            "tests": junit_results(root, data_dir / TEST_RESULTS),
            "guards": guard_facts(raw, runtime, runtime_error),
            "secrets": _safely(scan.result, {"findings": []}) if isinstance(scan, SecretScan) else scan,
            "budget": budget_facts(raw, runtime, runtime_error),
            "audit": audit_facts(raw, settings, runtime, runtime_error),
            "evals": eval_facts(settings, parts),
            "shadow": shadow_facts(settings, parts),
            "rollback_plan": rollback_plan(root),
            "reviews": review_facts(root, owners=owners, author=author, aliases=aliases, read_code_host=tier == "high"),
            "codeowners": codeowners(root),
            "template": template_drift(root),
        }
        used = set(sections["evals"].pop("prompts", []))
        assets, assets_error = _assets(settings, used)
    finally:
        if runtime is not None:
            runtime.close()
    waivers, waiver_evidence = load_waivers(settings.path(settings.policies_dir) / "waivers.yml", today)
    evidence = {name: section.pop("evidence", []) for name, section in sections.items()}
    evidence["assets"] = [{"file": a["path"], "sha256": a["sha256"], "figure": _asset_figure(a)} for a in assets]
    evidence["waivers"] = waiver_evidence
    document = {
        "tier": tier,
        "today": today.isoformat(),
        "owners": owners,
        "config_fingerprint": config_fingerprint(settings, parts),
        **sections,
        "assets": assets,
        "assets_error": assets_error,
        "waivers": waivers,
    }
    return Facts(document, evidence)


def _assets(settings: Settings, used: set[str]) -> tuple[list[dict[str, Any]], str | None]:
    try:
        return [asset.to_fact() for asset in inventory(settings, used_prompt_refs=used)], None
    except AssetError as error:
        return [], str(error)


def _safely(collect: Any, fallback: dict[str, Any] | None) -> Any:
    """Run a collector; a failure becomes an `error` fact (its control fails), never a crashed gate."""
    try:
        return collect()
    except Exception as error:  # noqa: BLE001
        return {"findings": [], **(fallback or {}), "error": f"{type(error).__name__}: {error}", "evidence": []}


def _number(value: Any, default: float) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _asset_figure(asset: dict[str, Any]) -> str:
    after = f", deprecated after {asset['deprecated_after']}" if asset.get("deprecated_after") else ""
    return f"{asset['kind']} {asset['ref']}{' (in use)' if asset.get('in_use') else ''}{after}"


def _governance(settings: Settings) -> tuple[Governance | None, dict[str, Any], dict[str, Any]]:
    path = settings.path(settings.governance_file)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        raw = {}
    raw = raw if isinstance(raw, dict) else {}
    try:
        governance, error = load_governance(path), None
    except ConfigError as problem:
        governance, error = None, str(problem)
    evals = raw.get("evals") or {}
    figure = f"tier {raw.get('risk_tier', '?')}, human_in_the_loop {raw.get('human_in_the_loop')}"
    facts = {
        "valid": governance is not None,
        "error": error,
        "human_in_the_loop": bool(raw.get("human_in_the_loop", False)),
        "evals": {
            "thresholds": evals.get("thresholds") or {},
            "regression_tolerance": _number(evals.get("regression_tolerance"), 0.02),
        },
        "evidence": [entry(shown(settings.project_root, path), figure, path)],
    }
    return governance, raw, facts
