"""The risk-tier policy gate: facts in, Rego decides, evidence out.

    result = run_gate(settings)        # GateResult(verdict, controls, warnings, waivers, ...)
    result.failing                     # controls that block the change, each naming itself

Facts (`facts.py`) come from governance.yml, the runtime's ledger and audit log, the latest eval
and shadow reports and the repository; the policies under `policies/*.rego` decide; waivers
(`policies/waivers.yml`) let a control pass until they expire; `evidence.py` writes the bundle.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the CLI imports this package for its commands: the gate's machinery loads when it runs
    from ..settings import Settings
    from .evidence import ControlResult, GateResult
    from .policy import Decision

__all__ = ["ControlResult", "Decision", "GateResult", "evidence_dir", "run_gate"]


def __getattr__(name: str) -> Any:
    if name in ("ControlResult", "GateResult"):
        from . import evidence

        return getattr(evidence, name)
    if name == "Decision":
        from .policy import Decision

        return Decision
    raise AttributeError(name)


def evidence_dir(settings: Settings) -> Path:
    return settings.path(settings.data_dir) / "evidence"


def run_gate(settings: Settings, *, out_dir: Path | None = None, today: date | None = None) -> GateResult:
    """Collect facts, evaluate the policies, apply waivers and write the evidence bundle."""
    from ... import PROJECT_SLUG
    from ..assets import policy_metadata
    from .evidence import build_result, write_bundle
    from .facts import collect_facts
    from .git import run_git
    from .policy import dump_input, evaluate, policy_files
    from .repo_facts import sha256_of

    now = datetime.now(UTC)
    facts = collect_facts(settings, today=today or now.date())
    policies_dir = settings.path(settings.policies_dir)
    decision = evaluate(policies_dir, facts.document)
    policies = [
        {
            "file": f"policies/{path.name}",
            "sha256": sha256_of(path),
            "version": str(policy_metadata(path).get("version", "unversioned")),
        }
        for path in policy_files(policies_dir)
    ]
    commit = (run_git(settings.project_root, "rev-parse", "--short", "HEAD") or "").strip()
    result = build_result(
        decision,
        facts,
        project=PROJECT_SLUG,
        generated_at=now.isoformat(timespec="seconds"),
        commit=commit,
        policies=policies,
    )
    target = out_dir or evidence_dir(settings)
    dump_input(facts.document, target / "input.json")
    write_bundle(result, target)
    return result
