"""One checker per Foundations week. Each raises `LabFailed` naming the next thing to do, or returns what it verified.

A checker never trusts a file that says "done": it runs the eval, the learner's tests (and again
against the project's first commit, where they must fail), the shadow test and the gate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import LabFailed
from .workspace import (
    file_at_start,
    files_at_start,
    load_yaml,
    read_journal,
    run_learner_tests,
    start_policies,
    todo_in,
    write_journal,
)

if TYPE_CHECKING:
    from ..pattern import PatternHooks
    from ..runtime import Runtime
    from ..settings import Settings

POLICY_FILES = ("denied_terms.yml", "denied_topics.yml", "denied_patterns.yml")
CASE_METRIC = "answer_correctness"  # a case passes when every expected phrase is in the answer


@dataclass
class Context:
    root: Path
    settings: Settings
    open_runtime: Callable[[], Runtime]
    hooks: PatternHooks
    read: list[str] = dataclasses.field(default_factory=list)  # files the check looked at

    def path(self, name: str) -> Path:
        self.read.append(name)
        return self.root / name


# -- week 0: the paved road end to end, and the number the feature must move -------------------------


def week_0(ctx: Context) -> list[str]:
    charter = load_yaml(ctx.path("labs/week-0/charter.yml")) or {}
    if todo_in(charter):
        raise LabFailed("labs/week-0/charter.yml still has TODO or empty fields: fill in every one")
    governance = load_yaml(ctx.path("governance.yml")) or {}
    okr = charter.get("okr") or {}
    if okr.get("metric") != (governance.get("okr") or {}).get("metric"):
        raise LabFailed(f"charter okr.metric {okr.get('metric')!r} is not governance.yml's okr.metric")
    report = _eval_report(ctx)
    metric = okr["metric"]
    if metric not in report["metrics"]:
        raise LabFailed(f"the eval report has no metric {metric!r}: pick one `make eval` measures")
    measured = float(report["metrics"][metric])
    if abs(float(okr["baseline"]) - measured) > 0.01:
        raise LabFailed(f"okr.baseline {okr['baseline']} is not what `make eval` measured ({measured:.3f})")
    lower_is_better = report.get("directions", {}).get(metric) == "lower"
    if (float(okr["target"]) > measured) if lower_is_better else (float(okr["target"]) < measured):
        raise LabFailed(f"okr.target {okr['target']} is worse than the baseline {measured:.3f}")
    return [
        "charter filled in",
        f"OKR metric {metric} is governance.yml's",
        f"baseline {measured:.3f} matches the latest eval report",
        f"target {okr['target']} is no worse than it",
    ]


def _eval_report(ctx: Context) -> dict[str, Any]:
    path = ctx.path("var/evals/latest.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise LabFailed("no eval report yet: run `make eval` (it writes var/evals/latest.json)") from None


# -- week 1: an eval case that fails, then passes ------------------------------------------------------


def week_1(ctx: Context) -> list[str]:
    from ..evals.datasets import load_datasets
    from ..evals.runner import run_eval

    datasets = load_datasets(ctx.root / ctx.settings.path(ctx.settings.evals_dir) / "datasets")
    chosen = [
        dataclasses.replace(dataset, cases=[case for case in dataset.cases if "lab-1" in case.tags])
        for dataset in datasets
    ]
    chosen = [dataset for dataset in chosen if dataset.cases]
    cases = [case for dataset in chosen for case in dataset.cases]
    if not cases:
        raise LabFailed("no eval case is tagged lab-1: add one to a dataset in evals/datasets/ (tags: [lab-1])")
    for case in cases:
        if not case.expected.get("answer_contains"):
            raise LabFailed(f"case {case.id}: give it expected.answer_contains, the phrases a right answer has")
    ctx.read += [dataset.path.relative_to(ctx.root).as_posix() for dataset in chosen]
    runtime = ctx.open_runtime()
    try:
        run = run_eval(runtime, ctx.hooks.predict, chosen, workers=1)
    finally:
        runtime.close()
    journal = read_journal(ctx.root, 1)
    steps, red = [], []
    for result in run.results:
        key = hashlib.sha256(json.dumps([result.case.input, result.case.expected], sort_keys=True).encode()).hexdigest()
        if result.error:
            raise LabFailed(f"case {result.case.id} crashed: {result.error}")
        passed = result.scores.get(CASE_METRIC) == 1.0
        seen_red = journal.get(result.case.id) == key
        if not passed:
            journal[result.case.id] = key
            red.append(result.case.id)
        elif not seen_red:
            raise LabFailed(
                f"case {result.case.id} passes, but no check saw it fail first: a case that was never red proves"
                " nothing (write one the service gets wrong, run this check, then fix the service)"
            )
        else:
            steps.append(f"case {result.case.id} failed before and passes now")
    write_journal(ctx.root, 1, journal)
    if red:
        raise LabFailed(
            f"case(s) {', '.join(red)} fail, as they should at first (recorded): now make them pass by changing"
            " the service (prompts, corpus, settings), not the case"
        )
    return steps


# -- week 2: a policy filter, and a test that proves it blocks -----------------------------------------


def _policy_entries(text: str | None, file: str) -> set[tuple[str, str, str, str]]:
    data = yaml.safe_load(text or "") or {}
    entries = set()
    for value in data.values() if isinstance(data, dict) else ():
        for rule in value if isinstance(value, list) else ():
            if isinstance(rule, dict):
                for item in [*(rule.get("phrases") or []), *(rule.get("regex") or [])]:
                    entries.add((file, str(rule.get("name")), str(rule.get("action", "block")), str(item)))
    return entries


def week_2(ctx: Context) -> list[str]:
    policies = ctx.root / ctx.settings.path(ctx.settings.policies_dir)
    added = set()
    for name in POLICY_FILES:
        path = ctx.path(f"policies/{name}")
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        added |= _policy_entries(current, name) - _policy_entries(file_at_start(ctx.root, f"policies/{name}"), name)
    blocking = sorted(entry for entry in added if entry[2] == "block")
    if not blocking:
        raise LabFailed("no new blocking rule in policies/denied_*.yml since the first commit: add one (action: block)")
    lab = ctx.path("labs/week-2/test_policy_blocks.py")
    passed, output = run_learner_tests(ctx.root, lab)
    if not passed:
        raise LabFailed(f"labs/week-2/test_policy_blocks.py fails with your policies: {output}")
    with start_policies(ctx.root, policies) as original:
        still_passes, _ = run_learner_tests(ctx.root, lab, POLICIES_DIR=str(original))
    if still_passes:
        raise LabFailed(
            "labs/week-2/test_policy_blocks.py also passes with the first commit's policies: it does not prove"
            " that your new rule blocks anything"
        )
    file, rule, _, item = blocking[0]
    return [f"new blocking rule {rule} in policies/{file} ({item!r})", "your test passes", "and fails without the rule"]


# -- week 3: a budget, and the call that hits its hard limit -------------------------------------------


def week_3(ctx: Context) -> list[str]:
    lab = ctx.path("labs/week-3/test_budget_limit.py")
    passed, output = run_learner_tests(ctx.root, lab)
    if not passed:
        raise LabFailed(f"labs/week-3/test_budget_limit.py fails: {output}")
    policies = ctx.root / ctx.settings.path(ctx.settings.policies_dir)
    with tempfile.TemporaryDirectory(prefix="lab-free-") as folder:
        free = Path(folder)
        for path in policies.iterdir():
            if path.is_file():
                (free / path.name).write_bytes(path.read_bytes())
        prices = yaml.safe_load((policies / "pricing.yml").read_text(encoding="utf-8"))
        for model in prices["models"]:
            prices["models"][model] = {"input_per_1k": 0.0, "output_per_1k": 0.0}
        (free / "pricing.yml").write_text(yaml.safe_dump(prices), encoding="utf-8")
        still_passes, _ = run_learner_tests(ctx.root, lab, POLICIES_DIR=str(free))
    if still_passes:
        raise LabFailed(
            "labs/week-3/test_budget_limit.py also passes when every model is free: it must show a call refused"
            " (or degraded) because the budget you set is spent"
        )
    return ["your budget test passes", "and fails when calls cost nothing (so the limit is what stopped the call)"]


# -- week 4: a prompt change, tried in a shadow test ---------------------------------------------------


def week_4(ctx: Context) -> list[str]:
    from ..assets import load_prompt
    from ..evals.shadow import load_candidate, run_shadow

    prompts = ctx.root / ctx.settings.path(ctx.settings.prompts_dir)
    shipped = set(files_at_start(ctx.root, prompts.relative_to(ctx.root).as_posix()))
    new = sorted(
        path.relative_to(ctx.root).as_posix()
        for path in prompts.glob("*/*.md")
        if path.relative_to(ctx.root).as_posix() not in shipped
    )
    if not new:
        raise LabFailed("no new prompt version since the first commit: add prompts/<name>/<new version>.md")
    candidate_file = ctx.path("labs/week-4/candidate.yml")
    candidate = load_candidate(candidate_file)
    pinned = {f"prompts/{name}/{version}.md" for name, version in candidate.prompts.items()}
    if not pinned & set(new):
        raise LabFailed(
            f"labs/week-4/candidate.yml does not pin your new version ({', '.join(new)}): prompts: {{name: version}}"
        )
    ctx.read += sorted(pinned)
    for name, version in candidate.prompts.items():
        load_prompt(ctx.settings.model_copy(update={"prompt_versions": {name: version}}), name, version=version)
    runtime = ctx.open_runtime()
    try:
        report = run_shadow(runtime, ctx.hooks.predict, candidate=candidate, workers=2)
    finally:
        runtime.close()
    if report["verdict"] != "pass":
        raise LabFailed(
            f"shadow test: the candidate regresses {', '.join(report['quality']['regressions'])}; improve the"
            " prompt (or keep the current one and write down why in labs/week-4/README.md) and rerun"
        )
    return [
        f"new prompt {', '.join(sorted(pinned & set(new)))}",
        f"shadow test on {report['cases']} cases: no regression",
    ]


# -- week 5: a rollback plan, and the medium-tier gate -------------------------------------------------


def week_5(ctx: Context) -> list[str]:
    from ..gate import run_gate

    ctx.read.append("docs/rollback-plan.md")
    governance = load_yaml(ctx.path("governance.yml")) or {}
    if governance.get("risk_tier") not in ("medium", "high"):
        raise LabFailed("governance.yml says risk_tier: low: raise it to medium (the tier this lab earns)")
    with tempfile.TemporaryDirectory(prefix="lab-gate-") as folder:
        result = run_gate(ctx.settings, out_dir=Path(folder))
    if result.failing:
        details = "; ".join(f"{control.id}: {' '.join(control.messages)}" for control in result.failing)
        raise LabFailed(f"the gate fails at {result.tier} tier: {details}")
    return ["rollback plan filled in", f"gate passes at {result.tier} tier ({len(result.controls)} controls)"]


# -- week 6: capstone, a governed feature shipped with its evidence ------------------------------------


def week_6(ctx: Context) -> list[str]:
    from .workspace import RESULTS, head_commit

    capstone = load_yaml(ctx.path("labs/week-6/capstone.yml")) or {}
    if todo_in(capstone):
        raise LabFailed("labs/week-6/capstone.yml still has TODO or empty fields: fill in every one")
    for week in range(6):
        path = ctx.path(f"{RESULTS.as_posix()}/week-{week}.json")
        if not path.is_file() or not json.loads(path.read_text(encoding="utf-8")).get("passed"):
            raise LabFailed(f"week {week} has not passed yet: run `lab check {week}` until it does")
    report = _eval_report(ctx)
    tag = str(capstone.get("eval_tag"))
    cases = [case for case in report["cases"] if tag in case["tags"]]
    if len(cases) < 3:
        raise LabFailed(f"the latest eval report has {len(cases)} case(s) tagged {tag}: the feature needs at least 3")
    failing = [case["id"] for case in cases if case["scores"].get(CASE_METRIC) != 1.0 or case["error"]]
    if failing:
        raise LabFailed(f"capstone case(s) fail in the latest eval: {', '.join(failing)}")
    evidence_path = ctx.path("var/evidence/evidence.json")
    try:
        evidence = json.loads(evidence_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise LabFailed("no evidence bundle: run `make gate` (it writes var/evidence/evidence.json)") from None
    if evidence.get("verdict") != "pass":
        raise LabFailed("the evidence bundle's gate verdict is not pass: fix what `make gate` names")
    head = head_commit(ctx.root)
    if evidence.get("commit") != head:
        raise LabFailed(
            f"the evidence bundle is for commit {evidence.get('commit')}, not HEAD {head}: commit, then `make gate`"
        )
    return [
        "weeks 0-5 passed",
        f"{len(cases)} capstone eval cases ({tag}) pass",
        f"evidence bundle: gate pass at {evidence.get('tier')} tier for HEAD {head}",
    ]


@dataclass(frozen=True)
class Lab:
    week: int
    title: str
    level: str  # competency ladder: Associate | Senior | Staff+
    guild: str  # Prompt & Retrieval | Evaluation & Safety | Platform & Observability
    check: Callable[[Context], list[str]]


LABS = {
    lab.week: lab
    for lab in (
        Lab(0, "The paved road end to end, and the OKR it must move", "Associate", "Platform & Observability", week_0),
        Lab(1, "An eval case that fails, then passes", "Associate", "Evaluation & Safety", week_1),
        Lab(2, "A policy filter and the test that proves it blocks", "Associate", "Evaluation & Safety", week_2),
        Lab(3, "A budget, and the call that hits its hard limit", "Associate", "Platform & Observability", week_3),
        Lab(4, "A prompt change, tried in a shadow test", "Senior", "Prompt & Retrieval", week_4),
        Lab(5, "A rollback plan, and the medium-tier gate", "Senior", "Platform & Observability", week_5),
        Lab(6, "Capstone: a governed feature shipped with its evidence", "Senior", "Prompt & Retrieval", week_6),
    )
}
