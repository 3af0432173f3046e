"""Shadow test: run a candidate configuration beside the current one and compare them.

A candidate is a small YAML file naming what changes (a model, a prompt version, any other
setting that changes answers). Both sides answer the same cases (the golden set, or a replay of
recorded requests) in the same process, one after the other, so quality, latency and cost are
compared on identical inputs. The report records the fingerprint of the *current* configuration;
the gate accepts it only while that fingerprint still matches, so a report made before the next
change does not vouch for it.

```yaml
# candidate.yml
name: answer-prompt-1.1
description: shorter system prompt
prompts: {answer: 1.1.0}      # prompt pins, name -> version
settings: {model: gpt-4.1-mini}  # any Settings field that changes answers
```
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .assets import AssetError, load_prompt
from .evals.baseline import check_thresholds, compare_with_baseline
from .evals.datasets import Dataset, load_datasets, load_replay
from .evals.fingerprint import config_fingerprint
from .evals.metrics import token_overlap_f1
from .evals.runner import EvalRun, Predict, run_eval
from .governance import ConfigError
from .settings import Settings

if TYPE_CHECKING:
    from .runtime import Runtime

SHADOW_SCHEMA = "paved-roads/shadow@1"
# Where data lives and what is being tested stay the project's own; everything else may change.
_FIXED_SETTINGS = frozenset({"project_root", "data_dir", "governance_file", "policies_dir", "prompts_dir", "evals_dir"})


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)
    source: str = ""
    sha256: str = ""


def current_as_candidate() -> Candidate:
    return Candidate(name="current", description="the current configuration against itself (no --candidate given)")


def load_candidate(path: Path) -> Candidate:
    """Read and check a candidate file; unknown settings and missing prompt versions are refused."""
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"candidate file not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error
    unknown_keys = set(data) - {"name", "description", "settings", "prompts"}
    if unknown_keys:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown_keys))}; accepted: name, description, settings, prompts"
        )
    overrides = data.get("settings") or {}
    fields = set(Settings.model_fields)
    bad = sorted(set(overrides) - fields | set(overrides) & _FIXED_SETTINGS)
    if bad:
        raise ConfigError(
            f"{path}: settings.{bad[0]} cannot be changed by a candidate; use a Settings field that changes answers"
        )
    prompts = {str(k): str(v) for k, v in (data.get("prompts") or {}).items()}
    return Candidate(
        name=str(data.get("name") or path.stem),
        description=str(data.get("description") or ""),
        settings=dict(overrides),
        prompts=prompts,
        source=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def candidate_settings(settings: Settings, candidate: Candidate) -> Settings:
    """The current settings with the candidate's changes applied (validated like any settings)."""
    changed = type(settings)(**{**settings.model_dump(), **candidate.settings})
    if candidate.prompts:
        pins = {**(getattr(settings, "prompt_versions", None) or {}), **candidate.prompts}
        changed = changed.model_copy(update={"prompt_versions": pins})
        for name in candidate.prompts:
            try:
                load_prompt(changed, name)
            except AssetError as error:
                raise ConfigError(f"candidate {candidate.name}: {error}") from error
    return changed


def _summary(run: EvalRun) -> dict[str, Any]:
    return {
        "fingerprint": run.fingerprint,
        "provider": run.provider,
        "model": run.model,
        "prompts": run.prompt_refs,
        "metrics": run.metrics,
        "errors": run.errors,
        "duration_s": run.duration_s,
    }


def compare_runs(
    reference: EvalRun, candidate: EvalRun, tolerance: float, thresholds: dict[str, float]
) -> dict[str, Any]:
    """Quality (metric by metric), latency, cost and per-case agreement of the two runs."""
    quality = compare_with_baseline(candidate.metrics, reference.metrics, tolerance)
    regressions = [c.metric for c in quality if c.regressed]
    if candidate.metrics.get("error_rate", 0.0) > reference.metrics.get("error_rate", 0.0) + tolerance:
        regressions.append("error_rate")
    answers = {r.case.id: r.prediction for r in reference.results}
    agreement, flips, changed = [], 0, []
    for result in candidate.results:
        before = answers.get(result.case.id, {})
        score = token_overlap_f1(str(result.prediction.get("answer", "")), str(before.get("answer", "")))
        agreement.append(score)
        flipped = bool(result.prediction.get("refused")) != bool(before.get("refused"))
        flips += flipped
        if score < 1 or flipped:
            changed.append(result.case.id)
    ref_p95, cand_p95 = reference.metrics["latency_p95_s"], candidate.metrics["latency_p95_s"]
    return {
        "quality": {
            "comparisons": [c.__dict__ for c in quality],
            "regressions": sorted(set(regressions)),
            "candidate_thresholds": [t.__dict__ for t in check_thresholds(candidate.metrics, thresholds)],
        },
        "latency": {
            "reference_p95_s": ref_p95,
            "candidate_p95_s": cand_p95,
            "ratio": round(cand_p95 / ref_p95, 3) if ref_p95 else None,
        },
        "cost": {
            "reference_per_case_usd": reference.metrics["cost_per_case_usd"],
            "candidate_per_case_usd": candidate.metrics["cost_per_case_usd"],
            "delta_per_case_usd": round(
                candidate.metrics["cost_per_case_usd"] - reference.metrics["cost_per_case_usd"], 8
            ),
        },
        "agreement": {
            "mean_answer_f1": round(sum(agreement) / len(agreement), 4) if agreement else 1.0,
            "refusal_flips": flips,
            "changed_cases": changed[:50],
        },
    }


def run_shadow(
    runtime: Runtime,
    predict: Predict,
    *,
    candidate: Candidate | None = None,
    replay: Path | None = None,
    workers: int = 4,
) -> dict[str, Any]:
    """Run reference and candidate on the same cases and return the report document."""
    from .runtime import Runtime

    candidate = candidate or current_as_candidate()
    settings = runtime.settings
    datasets: list[Dataset] = (
        [load_replay(replay)] if replay else load_datasets(settings.path(settings.evals_dir) / "datasets")
    )
    reference_run = run_eval(runtime, predict, datasets, workers=workers)
    shadow_runtime = Runtime(candidate_settings(settings, candidate), runtime.governance)
    try:
        candidate_run = run_eval(shadow_runtime, predict, datasets, workers=workers)
    finally:
        shadow_runtime.close()
    evals = runtime.governance.evals
    comparison = compare_runs(reference_run, candidate_run, evals.regression_tolerance, evals.thresholds)
    return {
        "schema": SHADOW_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "replay" if replay else "eval-set",
        "source": str(replay) if replay else ", ".join(d.ref for d in datasets),
        "cases": len(reference_run.results),
        "tolerance": evals.regression_tolerance,
        "current_fingerprint": config_fingerprint(settings),
        "candidate": {**candidate.__dict__, **_summary(candidate_run)},
        "reference": _summary(reference_run),
        **comparison,
        "verdict": "regressed" if comparison["quality"]["regressions"] else "pass",
    }


def render_markdown(report: dict[str, Any]) -> str:
    candidate, quality = report["candidate"], report["quality"]
    lines = [
        f"## Shadow test: {candidate['name']} ({report['verdict']})",
        "",
        f"{report['cases']} cases ({report['mode']}: {report['source']}), tolerance {report['tolerance']}.",
        f"Candidate: model `{candidate['model']}`, prompts {', '.join(candidate['prompts']) or '-'}"
        + (f"; {candidate['description']}" if candidate["description"] else ""),
        "",
        "| Metric | Current | Candidate | Change | Result |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in quality["comparisons"]:
        result = "**regressed**" if c["regressed"] else "ok"
        now = "not measured" if c["value"] is None else format(c["value"], ".4g")
        lines.append(f"| `{c['metric']}` | {c['baseline']:.4g} | {now} | {c['delta']} | {result} |")
    latency, cost, agreement = report["latency"], report["cost"], report["agreement"]
    lines += [
        "",
        f"- Latency p95: {latency['reference_p95_s']} s -> {latency['candidate_p95_s']} s",
        f"- Cost per case: {cost['reference_per_case_usd']} -> {cost['candidate_per_case_usd']} USD",
        f"- Answers: mean F1 agreement {agreement['mean_answer_f1']}, refusal flips {agreement['refusal_flips']}",
    ]
    return "\n".join(lines) + "\n"


def write_report(report: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "latest.json", "md": out_dir / "latest.md"}
    paths["json"].write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render_markdown(report), encoding="utf-8")
    return paths
