"""Reference solutions of the Foundations labs for a rag-service project: what a learner who did the work did.

They live here, not in the generated project. Each `solve_week_N(project, env, slug)` edits files and runs
the project's own commands like a learner would; `tests/test_academy.py` then runs `<slug> lab check N`.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from paved_roads.project_env import ProjectEnv

GOLDEN = Path("evals/datasets/rag_golden.jsonl")
PARKING_CASE = {
    "id": "lab-1-parking",
    "input": {
        "question": "How much does a parking space at the Hamburg office cost per month?",
        "clearance": "internal",
    },
    "expected": {"answer_contains": ["45 EUR"], "relevant_ids": ["parking"], "should_refuse": False},
    "tags": ["lab-1", "capstone", "answerable"],
}
PARKING_DOC = """---
title: Parking at the Hamburg office
owner: facilities@larkspur.example
classification: internal
effective_date: 2026-10-01
updated_date: 2026-10-01
---
# Parking at the Hamburg office

A parking space at the Hamburg office costs 45 EUR per month.

Electric vehicles charge free of charge at the four charging points on level minus one.

Visitors park in the marked visitor bays for up to four hours.
"""
CAPSTONE_CASES = [
    {
        "id": "capstone-charging",
        "input": {"question": "Where can electric vehicles charge at the Hamburg office?", "clearance": "internal"},
        "expected": {"answer_contains": ["charging points"], "relevant_ids": ["parking"], "should_refuse": False},
        "tags": ["capstone", "answerable"],
    },
    {
        "id": "capstone-visitors",
        "input": {"question": "How long may visitors park in the visitor bays?", "clearance": "internal"},
        "expected": {"answer_contains": ["four hours"], "relevant_ids": ["parking"], "should_refuse": False},
        "tags": ["capstone", "answerable"],
    },
]
BUDGET_TEST_BODY = """        with pytest.raises(Refused) as refusal:
            for call in range(200):
                runtime.complete(
                    feature="lab",
                    actor="lab",
                    system="Answer briefly.",
                    user=f"Question number {call}?",
                    prompt_version="lab@1",
                    use_cache=False,
                )
        assert refusal.value.control == "budget"
"""
ROLLBACK_PLAN = """# Rollback plan

- **Trigger**: eval regression in CI, guard block-rate spike or BudgetHardLimit alert on the dashboard.
- **How**: pin the previous prompt version in settings (PROMPT_VERSIONS) and redeploy the last green image.
- **Data**: nothing to undo: answers are not stored; the audit log stays append-only.
- **Owner**: the feature lead decides; on-call @rag-service-team-lead executes.
- **Tested on**: 2026-12-01, rehearsed in staging.
"""


def add_cases(project: Path, cases: list[dict]) -> None:
    with (project / GOLDEN).open("a", encoding="utf-8") as golden:
        for case in cases:
            golden.write(json.dumps(case) + "\n")


def commit(project: Path, message: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    subprocess.run(["git", "commit", "-qm", message, "--allow-empty"], cwd=project, check=True)


def solve_week_0(project: Path, env: ProjectEnv, slug: str) -> None:
    env.run(slug, "eval")
    report = json.loads((project / "var/evals/latest.json").read_text())
    metric = yaml.safe_load((project / "governance.yml").read_text())["okr"]["metric"]
    baseline = round(report["metrics"][metric], 3)
    charter = {
        "product_line": "workplace-services",
        "users": "employees asking about office and expense policies",
        "okr": {"metric": metric, "baseline": baseline, "target": max(baseline, 0.9)},
    }
    (project / "labs/week-0/charter.yml").write_text(yaml.safe_dump(charter, sort_keys=False))


def solve_week_1_red(project: Path, env: ProjectEnv, slug: str) -> None:
    """The first half: a case the service gets wrong (no document says it yet)."""
    add_cases(project, [PARKING_CASE])


def solve_week_1_green(project: Path, env: ProjectEnv, slug: str) -> None:
    """The second half: fix the service (its documents), not the case."""
    (project / "corpus/parking.md").write_text(PARKING_DOC)


def solve_week_2(project: Path, env: ProjectEnv, slug: str) -> None:
    terms = project / "policies/denied_terms.yml"
    text = terms.read_text()
    assert "      - acme shell holdings\n" in text
    terms.write_text(
        text.replace("      - acme shell holdings\n", "      - acme shell holdings\n      - zenith maritime\n")
    )
    test = project / "labs/week-2/test_policy_blocks.py"
    test.write_text(
        test.read_text().replace(
            'BLOCKED = "TODO: a request your new rule must refuse"',
            'BLOCKED = "Draft a friendly reply to Zenith Maritime about the renewal."',
        )
    )


def solve_week_3(project: Path, env: ProjectEnv, slug: str) -> None:
    test = project / "labs/week-3/test_budget_limit.py"
    text = test.read_text()
    start = text.index("        # TODO: call runtime.complete")
    end = text.index("    finally:")
    text = text[:start] + BUDGET_TEST_BODY + text[end:]
    text = text.replace(
        "DAILY_BUDGET_USD = 1.0  # TODO: a limit a few calls of local-premium use up", "DAILY_BUDGET_USD = 0.05"
    )
    text = text.replace(
        "import pytest\n",
        "import pytest\n\nfrom {pkg}.platform.errors import Refused\n".format(pkg=slug.replace("-", "_")),
    )
    test.write_text(text)


def solve_week_4(project: Path, env: ProjectEnv, slug: str) -> None:
    current = (project / "prompts/answer/1.0.0.md").read_text()
    new = current.replace("version: 1.0.0", "version: 1.1.0", 1)
    new = new.replace('changelog: "', 'changelog: "1.1.0: answers stay under five sentences; ', 1)
    (project / "prompts/answer/1.1.0.md").write_text(new.rstrip("\n") + "\n- Keep the answer under five sentences.\n")
    candidate = {"name": "answer-1-1", "description": "shorter answers", "prompts": {"answer": "1.1.0"}}
    (project / "labs/week-4/candidate.yml").write_text(yaml.safe_dump(candidate, sort_keys=False))


def run_tests_eval_shadow(project: Path, env: ProjectEnv, slug: str) -> None:
    """`make test eval shadow`, with a small real slice of the suite (the whole suite runs in the render matrix)."""
    env.run(
        "pytest", "-q", "-p", "no:cacheprovider", "tests/platform/test_cli_basics.py", "--junitxml=var/test-results.xml"
    )
    env.run(slug, "eval")
    env.run(slug, "shadow")


def solve_week_5(project: Path, env: ProjectEnv, slug: str) -> None:
    governance = project / "governance.yml"
    governance.write_text(governance.read_text().replace("risk_tier: low", "risk_tier: medium", 1))
    (project / "docs/rollback-plan.md").write_text(ROLLBACK_PLAN)
    run_tests_eval_shadow(project, env, slug)


def solve_week_6(project: Path, env: ProjectEnv, slug: str) -> None:
    add_cases(project, CAPSTONE_CASES)
    capstone = {
        "feature": "answers about parking and charging at the Hamburg office, with citations",
        "prompt": "answer@1.1.0",
        "eval_tag": "capstone",
        "rollout": "behind the parking topic for facilities staff first; rollback per docs/rollback-plan.md",
    }
    (project / "labs/week-6/capstone.yml").write_text(yaml.safe_dump(capstone, sort_keys=False))
    env.run(slug, "eval", "--update-baseline")  # the golden set grew: its new cases move the means
    commit(project, "capstone: parking answers, baseline with the new cases")
    run_tests_eval_shadow(project, env, slug)
    env.run(slug, "gate")
