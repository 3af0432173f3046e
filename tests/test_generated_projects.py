"""Render, install and run each generated project's own checks: lint, format, tests, demo.

The full matrix (pattern x tier x provider x academy) is marked slow; the default
answers of each pattern form the fast subset (`pytest -m "not slow"`).
"""

from __future__ import annotations

import itertools

import pytest
from conftest import PATTERNS, PROVIDERS, TIERS, answers_of, installed
from controls.projects import FILLED_ROLLBACK_PLAN
from patterns import pattern_tests

FAST = {(pattern, "low", "local", False) for pattern in PATTERNS}


def _matrix() -> list:
    cases = []
    for combo in itertools.product(PATTERNS, TIERS, PROVIDERS, (False, True)):
        marks = [] if combo in FAST else [pytest.mark.slow]
        cases.append(pytest.param(*combo, marks=marks, id="-".join(map(str, combo))))
    return cases


@pytest.mark.parametrize(("pattern", "tier", "provider", "academy"), _matrix())
def test_generated_project_passes_its_own_checks(render, pattern, tier, provider, academy) -> None:
    owners = ["@acme/feature-lead", "@acme/reviewer"] if tier == "high" else ["@acme/feature-lead"]
    project = render(pattern=pattern, risk_tier=tier, model_provider=provider, academy=academy, owners=owners)
    if tier != "low":  # as the team must before its gate passes: the project's own tests still have to hold
        (project / "docs" / "rollback-plan.md").write_text(FILLED_ROLLBACK_PLAN)
    env = installed(project)
    env.run("ruff", "check", ".")
    env.run("ruff", "format", "--check", ".")
    env.run("pytest", "-q", "-p", "no:cacheprovider")


@pytest.mark.slow
@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_answers_away_from_the_defaults_pass_checks_and_evals(render, pattern: str) -> None:
    """Each pattern's own questions, answered as its template_tests.yml says (PostgreSQL: test_rag_service.py)."""
    answers = pattern_tests(pattern).answers_away_from_defaults
    if not answers:
        pytest.skip(f"templates/{pattern}/template_tests.yml gives no answers_away_from_defaults")
    project = render(pattern=pattern, **answers)
    env = installed(project)
    env.run("ruff", "check", ".")
    env.run("pytest", "-q", "-p", "no:cacheprovider")
    env.run(answers_of(project)["project_slug"], "eval")  # exits 1 when a threshold is missed


@pytest.mark.parametrize("pattern", PATTERNS)
def test_demo_works_offline_with_defaults(render, pattern: str) -> None:
    project = render(pattern=pattern)
    env = installed(project)
    slug = answers_of(project)["project_slug"]
    result = env.run(slug, "demo", no_proxy="*", HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    assert result.stdout.strip(), "the demo printed nothing"
    env.run(slug, "audit", "verify")
