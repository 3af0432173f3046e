"""Shadow test: run a candidate configuration beside the current one and compare them.

A candidate is a small YAML file naming what changes: a prompt version, a model, a retrieval
setting, any setting read from the environment. Both sides answer the same cases (the golden set,
or a replay of recorded requests), so quality, latency and cost are compared on identical inputs.

```yaml
# candidate.yml
name: answer-1.1-top-k-3
description: shorter prompt, fewer retrieved chunks
prompts: {answer: 1.1.0}          # prompt pins, name -> version
settings: {model: gpt-4.1-mini}   # platform Settings fields
env: {REQUEST_TIMEOUT_S: "30"}    # any other setting, platform or pattern (the env prefix is added)
```

The candidate runs as its own process (`python -m <package> eval` with that environment), because
pattern settings are read from the environment once per process; the current side reuses the
latest eval report when it is still current. The report records the fingerprint of the current
configuration, and the gate accepts it only while that fingerprint still matches.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess  # noqa: S404 - runs this project's own CLI with a fixed argument list
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ... import ENV_PREFIX
from ..errors import ConfigError
from ..settings import Settings
from .baseline import check_thresholds, compare_with_baseline
from .fingerprint import config_fingerprint, config_parts
from .metrics import token_overlap_f1

if TYPE_CHECKING:
    from ..runtime import Runtime

SHADOW_SCHEMA = "paved-roads/shadow@1"
# Where data lives and what is being tested stay the project's own; everything else may change.
_FIXED_SETTINGS = frozenset({"project_root", "data_dir", "governance_file", "policies_dir", "prompts_dir", "evals_dir"})
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_PACKAGE = __name__.split(".")[0]


@dataclass(frozen=True)
class Candidate:
    name: str
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    source: str = ""
    sha256: str = ""

    def environment(self) -> dict[str, str]:
        """The candidate as environment variables for its own process."""
        values = {f"{ENV_PREFIX}{key.upper()}": _env_value(value) for key, value in self.settings.items()}
        values |= {key if key.startswith(ENV_PREFIX) else f"{ENV_PREFIX}{key}": str(v) for key, v in self.env.items()}
        return values


def _env_value(value: Any) -> str:
    return json.dumps(value) if isinstance(value, dict | list) else str(value)


def current_as_candidate() -> Candidate:
    return Candidate(name="current", description="the current configuration run again (no --candidate given)")


def load_candidate(path: Path) -> Candidate:
    """Read and check a candidate file; unknown keys, fixed settings and bad names are refused."""
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"candidate file not found: {path}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from error
    unknown = sorted(set(data) - {"name", "description", "settings", "prompts", "env"})
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(unknown)}; accepted: name, description, settings, prompts, env"
        )
    overrides = data.get("settings") or {}
    refused = sorted(set(overrides) - set(Settings.model_fields) | set(overrides) & _FIXED_SETTINGS)
    if refused:
        raise ConfigError(f"{path}: settings.{refused[0]} cannot be changed by a candidate; use a Settings field")
    env = {str(k): str(v) for k, v in (data.get("env") or {}).items()}
    bad = [key for key in env if not _ENV_NAME.match(key)]
    if bad:
        raise ConfigError(f"{path}: env.{bad[0]} is not an environment variable name (A-Z, 0-9, _)")
    return Candidate(
        name=str(data.get("name") or path.stem),
        description=str(data.get("description") or ""),
        settings=dict(overrides),
        prompts={str(k): str(v) for k, v in (data.get("prompts") or {}).items()},
        env=env,
        source=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


# A candidate runner answers the cases under the candidate and returns an eval report document.
CandidateRunner = Callable[[Candidate, "Path | None", int], dict[str, Any]]


def subprocess_runner(project_root: Path) -> CandidateRunner:
    """Run `python -m <package> eval` for the candidate, in a fresh process with its environment."""

    def run(candidate: Candidate, replay: Path | None, workers: int) -> dict[str, Any]:
        with tempfile.TemporaryDirectory(prefix="shadow-") as out:
            command = [sys.executable, "-m", _PACKAGE, "eval", "--out", out, "--workers", str(workers)]
            command += [arg for name, version in candidate.prompts.items() for arg in ("--pin", f"{name}@{version}")]
            command += ["--replay", str(replay)] if replay else []
            done = subprocess.run(  # noqa: S603 - our own CLI, arguments built above
                command,
                cwd=project_root,
                env={**os.environ, **candidate.environment()},
                capture_output=True,
                text=True,
                check=False,
            )
            report = Path(out) / "latest.json"
            if not report.is_file():
                detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
                raise ConfigError(f"candidate {candidate.name} did not run: {detail[0]}")
            return json.loads(report.read_text(encoding="utf-8"))

    return run


def candidate_settings(settings: Settings, candidate: Candidate) -> Settings:
    """The current settings with the candidate's settings and prompt pins applied (validated)."""
    from ..assets import load_prompt
    from ..errors import AssetError

    changed = type(settings)(**{**settings.model_dump(), **candidate.settings})
    pins = {**(getattr(settings, "prompt_versions", None) or {}), **candidate.prompts}
    if pins:
        changed = changed.model_copy(update={"prompt_versions": pins})
    for name in candidate.prompts:
        try:
            load_prompt(changed, name)
        except AssetError as error:
            raise ConfigError(f"candidate {candidate.name}: {error}") from error
    return changed


def in_process_runner(runtime: Runtime, predict: Any) -> CandidateRunner:
    """Run the candidate in this process: Settings fields and prompt pins only (no `env:`)."""
    from ..runtime import Runtime
    from .datasets import load_replay
    from .suite import run_suite

    def run(candidate: Candidate, replay: Path | None, workers: int) -> dict[str, Any]:
        if candidate.env:
            raise ConfigError(f"candidate {candidate.name}: env settings need the subprocess runner")
        shadow_runtime = Runtime(candidate_settings(runtime.settings, candidate), runtime.governance)
        datasets = [load_replay(replay)] if replay else None
        try:
            with tempfile.TemporaryDirectory(prefix="shadow-") as out:
                return run_suite(
                    shadow_runtime, predict, datasets=datasets, workers=workers, out_dir=Path(out)
                ).document
        finally:
            shadow_runtime.close()

    return run


def reference_document(runtime: Runtime, predict: Any, replay: Path | None, workers: int) -> dict[str, Any]:
    """The current configuration's report: the latest eval run while it is current, else a fresh run."""
    from .datasets import load_replay
    from .suite import reports_dir, run_suite

    latest = reports_dir(runtime) / "latest.json"
    if replay is None and latest.is_file():
        document = json.loads(latest.read_text(encoding="utf-8"))
        if document.get("fingerprint_parts") == config_parts(runtime.settings):
            return document
    datasets = [load_replay(replay)] if replay else None
    with tempfile.TemporaryDirectory(prefix="shadow-reference-") as out:
        return run_suite(runtime, predict, datasets=datasets, workers=workers, out_dir=Path(out)).document


def compare_documents(
    reference: dict[str, Any], candidate: dict[str, Any], tolerance: float, thresholds: dict[str, float]
) -> dict[str, Any]:
    """Quality metric by metric (blocking), latency and cost (reported), and per-case agreement."""
    known = {**reference.get("directions", {}), **candidate.get("directions", {})}
    quality = compare_with_baseline(candidate["metrics"], reference["metrics"], tolerance, known)
    regressions = [c.metric for c in quality if c.regressed]
    before = {case["id"]: case["prediction"] for case in reference["cases"]}
    agreement, flips, changed = [], 0, []
    for case in candidate["cases"]:
        old, new = before.get(case["id"], {}), case["prediction"]
        score = token_overlap_f1(str(new.get("answer", "")), str(old.get("answer", "")))
        flipped = bool(new.get("refused")) != bool(old.get("refused"))
        agreement.append(score)
        flips += flipped
        if score < 1 or flipped:
            changed.append(case["id"])
    ref, cand = reference["metrics"], candidate["metrics"]
    return {
        "quality": {
            "comparisons": [c.__dict__ for c in quality],
            "regressions": regressions,
            "candidate_thresholds": [t.__dict__ for t in check_thresholds(cand, thresholds)],
        },
        "latency": {"reference_p95_s": ref.get("latency_p95_s"), "candidate_p95_s": cand.get("latency_p95_s")},
        "cost": {
            "reference_per_case_usd": ref.get("cost_per_case_usd", 0.0),
            "candidate_per_case_usd": cand.get("cost_per_case_usd", 0.0),
        },
        "agreement": {
            "mean_answer_f1": round(sum(agreement) / len(agreement), 4) if agreement else 1.0,
            "refusal_flips": flips,
            "changed_cases": changed[:50],
        },
    }


def run_shadow(
    runtime: Runtime,
    predict: Any,
    *,
    candidate: Candidate | None = None,
    replay: Path | None = None,
    workers: int = 4,
    runner: CandidateRunner | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Answer the same cases under the current and the candidate configuration; return the report.

    `progress(done, 2)` is called after the reference run and after the candidate run.
    """
    candidate = candidate or current_as_candidate()
    settings = runtime.settings
    advance = progress or (lambda done, total: None)
    advance(0, 2)
    reference = reference_document(runtime, predict, replay, workers)
    advance(1, 2)
    candidate_doc = (runner or subprocess_runner(settings.project_root))(candidate, replay, workers)
    advance(2, 2)
    evals = runtime.governance.evals
    comparison = compare_documents(reference, candidate_doc, evals.regression_tolerance, evals.thresholds)
    summary = ("fingerprint", "provider", "model", "prompts", "metrics", "errors", "duration_s")
    return {
        "schema": SHADOW_SCHEMA,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "replay" if replay else "eval-set",
        "source": str(replay) if replay else ", ".join(f"{d['name']}@{d['version']}" for d in reference["datasets"]),
        "cases": len(reference["cases"]),
        "tolerance": evals.regression_tolerance,
        "current_fingerprint": config_fingerprint(settings),
        "candidate": {**candidate.__dict__, **{key: candidate_doc.get(key) for key in summary}},
        "reference": {key: reference.get(key) for key in summary},
        **comparison,
        "verdict": "regressed" if comparison["quality"]["regressions"] else "pass",
    }


def render_markdown(report: dict[str, Any]) -> str:
    candidate, quality = report["candidate"], report["quality"]
    lines = [
        f"## Shadow test: {candidate['name']} ({report['verdict']})",
        "",
        f"{report['cases']} cases ({report['mode']}: {report['source']}), tolerance {report['tolerance']}.",
        f"Candidate: model `{candidate['model']}`, prompts {', '.join(candidate['prompts'] or []) or '-'}"
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
