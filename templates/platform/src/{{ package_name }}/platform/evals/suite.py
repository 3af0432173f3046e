"""One eval run of the project, end to end: load datasets, run, judge, report.

The `eval` command, the shadow test and the gate's tests call this, so "an eval run" means the
same thing everywhere: same datasets, same thresholds from `governance.yml`, same baseline.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ... import PROJECT_SLUG
from .baseline import check_thresholds, compare_with_baseline, load_baseline, write_baseline
from .datasets import Dataset, load_datasets
from .reports import run_document, write_reports
from .runner import EvalRun, Predict, run_eval

if TYPE_CHECKING:
    from ..runtime import Runtime

HISTORY = "history.jsonl"  # var/evals/history.jsonl


@dataclass
class SuiteResult:
    run: EvalRun
    document: dict[str, Any]
    paths: dict[str, Path]

    @property
    def thresholds_met(self) -> bool:
        return bool(self.document["thresholds_met"])

    @property
    def regressions(self) -> list[str]:
        return list(self.document["baseline"]["regressions"])


def baseline_path(runtime: Runtime) -> Path:
    return runtime.settings.path(runtime.settings.evals_dir) / "baseline.json"


def reports_dir(runtime: Runtime) -> Path:
    return runtime.settings.path(runtime.settings.data_dir) / "evals"


def relative(runtime: Runtime, path: Path) -> str:
    try:
        return path.resolve().relative_to(runtime.settings.project_root.resolve()).as_posix()
    except ValueError:
        return str(path)


def document_for(runtime: Runtime, run: EvalRun) -> dict[str, Any]:
    """Judge a run against governance thresholds and the committed baseline."""
    evals = runtime.governance.evals
    path = baseline_path(runtime)
    baseline = load_baseline(path)
    comparisons = (
        compare_with_baseline(run.metrics, baseline["metrics"], evals.regression_tolerance, run.directions)
        if baseline
        else []
    )
    return run_document(
        run,
        project=PROJECT_SLUG,
        tier=runtime.governance.risk_tier,
        thresholds=check_thresholds(run.metrics, evals.thresholds),
        comparisons=comparisons,
        baseline_path=relative(runtime, path),
        baseline_found=baseline is not None,
        tolerance=evals.regression_tolerance,
    )


def run_suite(
    runtime: Runtime,
    predict: Predict,
    *,
    datasets: list[Dataset] | None = None,
    names: list[str] | None = None,
    workers: int = 4,
    model_graded: bool = False,
    out_dir: Path | None = None,
    update_baseline: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SuiteResult:
    """Run the golden set, write `latest.{json,md,html}` and optionally accept it as the baseline."""
    if datasets is None:
        datasets = load_datasets(runtime.settings.path(runtime.settings.evals_dir) / "datasets", names)
    run = run_eval(runtime, predict, datasets, workers=workers, model_graded=model_graded, progress=progress)
    if update_baseline:
        write_baseline(baseline_path(runtime), run)
    document = document_for(runtime, run)
    paths = write_reports(document, out_dir or reports_dir(runtime))
    if out_dir is None and not names:  # the full golden set in the usual place (not a shadow side or a subset)
        append_history(reports_dir(runtime) / HISTORY, document)
    return SuiteResult(run, document, paths)


def append_history(path: Path, document: dict[str, Any]) -> None:
    """One line per full eval run (when, metrics, thresholds met): the trend the portfolio scorecard reads."""
    line = {
        "started_at": document["started_at"],
        "fingerprint": document["fingerprint"],
        "thresholds_met": document["thresholds_met"],
        "metrics": document["metrics"],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as history:
        history.write(json.dumps(line, sort_keys=True) + "\n")
