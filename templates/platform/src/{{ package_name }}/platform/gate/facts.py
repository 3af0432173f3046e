"""Build the gate's one input document from governance, runtime state, eval results and the repo.

Every section is collected independently and never raises: a section that cannot be read says
so in an `error` field, and the policy turns that into a failing control with the reason. The
tier comes from `governance.yml`; when that file does not load, the gate assumes `high` (the
strictest) rather than letting a broken file lower the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..assets import inventory
from ..errors import AssetError
from ..evals.fingerprint import config_fingerprint, config_parts
from ..governance import GovernanceFile, read_governance
from ..settings import Settings
from .git import change_author, project_files
from .repo_facts import codeowners, entry, junit_results, rollback_plan, shown, template_drift
from .report_facts import eval_facts, shadow_facts
from .reviews import project_owners, review_facts
from .runtime_facts import audit_facts, budget_facts, guard_facts, open_runtime
from .secrets_scan import SecretScan
from .template_versions import allowed_behind
from .waivers import load_waivers

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
    path = settings.path(settings.governance_file)
    governance = read_governance(path)  # the one read of governance.yml, typed
    tier = governance.risk_tier or "high"  # a file that does not say must not lower the bar
    runtime, runtime_error = open_runtime(settings, governance.governance)
    try:
        parts = config_parts(settings)
        owners = project_owners(root, governance.owners)
        author, aliases = change_author(root)
        sections: dict[str, dict[str, Any]] = {
            "governance": _governance_facts(settings, path, governance),
            "tests": junit_results(root, data_dir / TEST_RESULTS),
            "guards": guard_facts(governance.guards, runtime, runtime_error),
            "secrets": _safely(scan.result, {"findings": []}) if isinstance(scan, SecretScan) else scan,
            "budget": budget_facts(governance.budget, runtime, runtime_error),
            "audit": audit_facts(governance.audit, settings, runtime, runtime_error),
            "evals": eval_facts(settings, parts),
            "shadow": shadow_facts(settings, parts),
            "rollback_plan": rollback_plan(root),
            "reviews": review_facts(root, owners=owners, author=author, aliases=aliases, read_code_host=tier == "high"),
            "codeowners": codeowners(root),
            "template": template_drift(root, allowed=_template_allowance(governance, tier)),
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


def _template_allowance(governance: GovernanceFile, tier: str) -> int:
    """governance.yml's `template.max_versions_behind`, else the tier's default (as the CI drift job reads it)."""
    configured = governance.template.max_versions_behind if governance.template is not None else None
    return allowed_behind(configured, tier)


def _asset_figure(asset: dict[str, Any]) -> str:
    after = f", deprecated after {asset['deprecated_after']}" if asset.get("deprecated_after") else ""
    return f"{asset['kind']} {asset['ref']}{' (in use)' if asset.get('in_use') else ''}{after}"


def _governance_facts(settings: Settings, path: Path, governance: GovernanceFile) -> dict[str, Any]:
    evals = governance.evals
    figure = f"tier {governance.risk_tier or '?'}, human_in_the_loop {governance.human_in_the_loop}"
    return {
        "valid": governance.governance is not None,
        "error": governance.error,
        "human_in_the_loop": governance.human_in_the_loop,
        "evals": {
            "thresholds": dict(evals.thresholds) if evals else {},
            "regression_tolerance": evals.regression_tolerance if evals else 0.02,
        },
        "evidence": [entry(shown(settings.project_root, path), figure, path)],
    }
