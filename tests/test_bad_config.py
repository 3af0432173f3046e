"""A generated project refuses bad configuration at start-up, in one line naming the setting."""

from __future__ import annotations

import pytest
from conftest import answers_of, installed

from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv


def installed_project(tmp_path_factory: pytest.TempPathFactory, pattern: str) -> tuple[ProjectEnv, str, str]:
    """An installed project of `pattern`, its CLI name and its settings' environment prefix."""
    folder = generate(tmp_path_factory.mktemp(f"bad-config-{pattern}") / "project", data={"pattern": pattern})
    answers = answers_of(folder)
    prefix = answers["project_slug"].upper().replace("-", "_") + "_"
    return installed(folder), answers["project_slug"], prefix


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectEnv, str, str]:
    return installed_project(tmp_path_factory, "copilot-evidence")


def check(env: ProjectEnv, slug: str, **variables: str):
    return env.run(slug, "check", check=False, **variables)


def test_defaults_pass_the_check(project) -> None:
    env, slug, _ = project
    result = check(env, slug)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (("monthly_usd: ", "monthly_usd: -"), "budget.monthly_usd"),
        (("input: [pii, ", "input: [pi, "), "guards.input[0]: unknown guard 'pi'"),
        (("degrade_to: local-extractive", "degrade_to: gpt-9"), "gpt-9"),
        (
            (
                "input: [pii, secrets, prompt_injection, policy]",
                "input: [pii, model_classifier]\n  model_classifier: {model: lg-9}",
            ),
            "guards.model_classifier.model: ",
        ),
    ],
)
def test_bad_governance_fails_at_start_up_naming_the_setting(project, edit, named) -> None:
    env, slug, _ = project
    governance = env.project / "governance.yml"
    original = governance.read_text()
    assert edit[0] in original
    governance.write_text(original.replace(edit[0], edit[1], 1))
    try:
        result = check(env, slug)
    finally:
        governance.write_text(original)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


def test_unpriced_model_fails_at_start_up(project) -> None:
    env, slug, prefix = project
    result = check(env, slug, **{f"{prefix}MODEL": "gpt-9"})
    assert result.returncode == 1
    assert "model 'gpt-9' is not priced" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_serve_refuses_to_start_on_bad_configuration(project) -> None:
    env, slug, prefix = project
    result = env.run(slug, "serve", "--port", "1", check=False, timeout=60, **{f"{prefix}MODEL": "gpt-9"})
    assert result.returncode == 1 and "not priced" in result.stderr


@pytest.fixture(scope="module")
def rag_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectEnv, str, str]:
    return installed_project(tmp_path_factory, "rag-service")


def test_a_bad_pattern_setting_names_the_variable(rag_project) -> None:
    env, slug, prefix = rag_project
    result = env.run(slug, "ask", "How do refunds work?", check=False, **{f"{prefix}RAG_TOP_K": "0"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{prefix}RAG_TOP_K=0" in lines[0], result.stderr


def test_an_empty_question_is_refused_in_one_line(rag_project) -> None:
    env, slug, _ = rag_project
    result = env.run(slug, "ask", "  ", check=False)
    assert result.returncode == 1 and "question is empty" in result.stderr
