"""The eval suite: golden datasets, metric registry, parallel runner, reports and baseline.

`run_suite(runtime, predict)` is the one call the CLI, the shadow test and tests use.
"""

from ..errors import DatasetError
from .baseline import Comparison, ThresholdCheck, check_thresholds, compare_with_baseline, load_baseline
from .datasets import Dataset, EvalCase, load_datasets
from .fingerprint import config_fingerprint, config_parts
from .metrics import METRICS, Metric, register
from .runner import CaseResult, EvalRun, run_eval
from .suite import SuiteResult, run_suite

__all__ = [
    "METRICS",
    "CaseResult",
    "Comparison",
    "Dataset",
    "DatasetError",
    "EvalCase",
    "EvalRun",
    "Metric",
    "SuiteResult",
    "ThresholdCheck",
    "check_thresholds",
    "compare_with_baseline",
    "config_fingerprint",
    "config_parts",
    "load_baseline",
    "load_datasets",
    "register",
    "run_eval",
    "run_suite",
]
