"""The evidence bundle: every control in force, its verdict, and the evidence it looked at.

`evidence.json` is for machines (audit tooling, the fleet scorecard); `evidence.md` is for people
and is appended to the CI job summary; `input.json` is the exact policy input, so anyone can
replay the decision with `opa eval -d policies -i var/evidence/input.json data.paved_roads.gate`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .facts import Facts
from .policy import Decision

Status = Literal["pass", "fail", "waived"]
BUNDLE_SCHEMA = "paved-roads/evidence@1"


@dataclass
class ControlResult:
    id: str
    title: str
    tier: str
    status: Status
    messages: list[str] = field(default_factory=list)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class GateResult:
    project: str
    tier: str
    verdict: Literal["pass", "fail"]
    generated_at: str
    commit: str
    input_sha256: str
    controls: list[ControlResult]
    warnings: list[dict[str, str]]
    waivers: list[dict[str, Any]]
    policies: list[dict[str, Any]]

    @property
    def failing(self) -> list[ControlResult]:
        return [control for control in self.controls if control.status == "fail"]


def build_result(
    decision: Decision, facts: Facts, *, project: str, generated_at: str, commit: str, policies: list[dict[str, Any]]
) -> GateResult:
    """Join the policy's verdicts with the facts: waived controls pass, but are listed as waived."""
    denied: dict[str, list[str]] = {}
    for item in decision.deny:
        denied.setdefault(item["control"], []).append(item["message"])
    waivers = facts.document["waivers"]
    controls = []
    for control_id in decision.applicable:
        meta = decision.catalog.get(control_id, {})
        messages = denied.get(control_id, [])
        waived = control_id in decision.active_waivers and control_id != "waivers.valid"
        status: Status = "pass" if not messages else "waived" if waived else "fail"
        evidence = [entry for section in meta.get("evidence", []) for entry in facts.evidence.get(section, [])]
        controls.append(
            ControlResult(
                id=control_id,
                title=str(meta.get("title", control_id)),
                tier=str(meta.get("tier", "")),
                status=status,
                messages=messages,
                waivers=[w for w in waivers if w.get("control") == control_id],
                evidence=evidence,
            )
        )
    canonical = json.dumps(facts.document, sort_keys=True, default=str).encode()
    return GateResult(
        project=project,
        tier=str(facts.document["tier"]),
        verdict="fail" if any(c.status == "fail" for c in controls) else "pass",
        generated_at=generated_at,
        commit=commit,
        input_sha256=hashlib.sha256(canonical).hexdigest(),
        controls=controls,
        warnings=decision.warn,
        waivers=waivers,
        policies=policies,
    )


def _evidence_text(entries: list[dict[str, Any]]) -> str:
    parts = []
    for entry in entries:
        digest = f" `{entry['sha256'][:12]}`" if entry.get("sha256") else ""
        figure = f": {entry['figure']}" if entry.get("figure") else ""
        parts.append(f"{entry['file']}{digest}{figure}")
    return "<br>".join(parts).replace("|", "\\|")


def render_markdown(result: GateResult) -> str:
    counts = {status: sum(c.status == status for c in result.controls) for status in ("pass", "fail", "waived")}
    icon = {"pass": "pass", "fail": "**FAIL**", "waived": "_waived_"}
    lines = [
        f"## Policy gate: {result.project} ({result.tier} tier): {result.verdict.upper()}",
        "",
        f"{len(result.controls)} controls: {counts['pass']} pass, {counts['fail']} fail, {counts['waived']} waived."
        f" Commit `{result.commit or 'unknown'}`, input sha256 `{result.input_sha256[:12]}`, {result.generated_at}.",
        "",
        "| Control | Status | Finding | Evidence |",
        "| --- | --- | --- | --- |",
    ]
    for control in result.controls:
        finding = "<br>".join(control.messages).replace("|", "\\|")
        if control.status == "waived":
            finding += "".join(
                f"<br>waived by {w['approver']} until {w['expires']}: {w['reason']}" for w in control.waivers
            )
        lines.append(
            f"| `{control.id}`<br>{control.title} | {icon[control.status]} | {finding}"
            f" | {_evidence_text(control.evidence)} |"
        )
    if result.warnings:
        lines += ["", "Warnings:", ""] + [f"- `{w['control']}`: {w['message']}" for w in result.warnings]
    if result.waivers:
        lines += ["", "| Waiver for | Approver | Expires | Reason |", "| --- | --- | --- | --- |"]
        lines += [f"| `{w['control']}` | {w['approver']} | {w['expires']} | {w['reason']} |" for w in result.waivers]
    policies = ", ".join(f"{p['file']}@{p['version']}" for p in result.policies)
    lines += ["", f"Policies: {policies}."]
    return "\n".join(lines) + "\n"


def write_bundle(result: GateResult, out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "evidence.json", "md": out_dir / "evidence.md"}
    bundle = {"schema": BUNDLE_SCHEMA, **asdict(result)}
    paths["json"].write_text(json.dumps(bundle, indent=2, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(result), encoding="utf-8")
    return paths
