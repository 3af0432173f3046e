"""Render, install and run each generated project's own checks: lint, format, tests, demo.

The matrix of answers (pattern x tier x provider x academy: 36 projects of ~70 s each) is covered
pairwise: every pair of answers, e.g. (copilot-evidence, high) or (openai-compatible, academy on), is
rendered together in at least one project (10 projects). Each pattern's defaults form the fast subset
(`pytest -m "not slow"`); the rest are marked slow.
"""

from __future__ import annotations

import itertools

import pytest
from conftest import PATTERNS, PROVIDERS, TIERS, answers_of, installed
from controls.projects import FILLED_ROLLBACK_PLAN
from patterns import pattern_tests

FACTORS = (PATTERNS, TIERS, PROVIDERS, (False, True))
FAST = [(pattern, "low", "local", False) for pattern in PATTERNS]


def _pairs(combo: tuple) -> set[tuple]:
    return {((i, combo[i]), (j, combo[j])) for i, j in itertools.combinations(range(len(combo)), 2)}


def pairwise(factors: tuple[tuple, ...], start: list[tuple]) -> list[tuple]:
    """`start` plus, greedily, the combination covering most still-uncovered pairs, until every pair is covered."""
    chosen = list(start)
    wanted = set().union(*(_pairs(combo) for combo in itertools.product(*factors)))
    missing = wanted - set().union(*(_pairs(combo) for combo in chosen))
    candidates = list(itertools.product(*factors))
    while missing:
        best = max(candidates, key=lambda combo: len(_pairs(combo) & missing))
        chosen.append(best)
        missing -= _pairs(best)
    return chosen


def _matrix() -> list:
    cases = []
    for combo in pairwise(FACTORS, FAST):
        marks = [] if combo in FAST else [pytest.mark.slow]
        cases.append(pytest.param(*combo, marks=marks, id="-".join(map(str, combo))))
    return cases


def test_the_matrix_renders_every_pair_of_answers_together() -> None:
    chosen = pairwise(FACTORS, FAST)
    every = set().union(*(_pairs(combo) for combo in itertools.product(*FACTORS)))
    assert set().union(*(_pairs(combo) for combo in chosen)) == every
    assert len(chosen) < len(list(itertools.product(*FACTORS))) / 3


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
