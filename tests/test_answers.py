"""Bad copier answers stop the copy with one line naming the field, and write nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

COPIER = [sys.executable, "-m", "copier"]


def copy_cli(template: Path, destination: Path, *data: str) -> subprocess.CompletedProcess[str]:
    args = [*COPIER, "copy", "--trust", "--defaults", "--vcs-ref", "HEAD", "--quiet"]
    for item in data:
        args += ["--data", item]
    # Dirty-checkout warnings only appear while the templates are being edited, not for users.
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*args, str(template), str(destination)], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("answer", "field", "hint"),
    [
        ("pattern=nonsense", "pattern", "rag-service"),
        ("package_name=class", "package_name", "keyword"),
        ("package_name=json", "package_name", "standard-library"),
        ("package_name=1st-try", "package_name", "identifier"),
        ("project_slug=Not A Slug", "project_slug", "lowercase"),
        ("product_line=Claims & Billing", "product_line", "lowercase"),
        ("monthly_budget_usd=-5", "monthly_budget_usd", "greater than 0"),
        ("monthly_budget_usd=0", "monthly_budget_usd", "greater than 0"),
        ("owners=[]", "owners", "at least one"),
        ("owners=[alice]", "owners", "GitHub handle"),
        ("risk_tier=extreme", "risk_tier", "low"),
        ("model_provider=skynet", "model_provider", "local"),
        ("project_name=", "project_name", "empty"),
    ],
)
def test_bad_answer_is_one_line_naming_the_field(template_root: Path, tmp_path: Path, answer, field, hint) -> None:
    destination = tmp_path / "out"
    result = copy_cli(template_root, destination, answer)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert field in lines[0] and hint in lines[0], lines[0]
    assert "Traceback" not in result.stderr
    assert not destination.exists() or not any(destination.iterdir())


@pytest.mark.parametrize(
    ("answers", "field", "hint"),
    [
        (("pattern=rag-service", "freshness_days=0"), "freshness_days", ">= 1"),
        (("pattern=rag-service", "retrieval_backend=oracle"), "retrieval_backend", "sqlite"),
        (("pattern=approval-workflow", "approval_expiry_hours=0"), "approval_expiry_hours", ">= 1"),
        (("pattern=copilot-evidence", "min_evidence_per_claim=3"), "min_evidence_per_claim", "1"),
    ],
)
def test_bad_pattern_answer_is_one_line_naming_the_field(
    template_root: Path, tmp_path: Path, answers: tuple[str, ...], field: str, hint: str
) -> None:
    destination = tmp_path / "out"
    result = copy_cli(template_root, destination, *answers)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert field in lines[0] and hint in lines[0], lines[0]
    assert not destination.exists() or not any(destination.iterdir())


def test_high_tier_with_one_owner_is_refused(template_root: Path, tmp_path: Path) -> None:
    destination = tmp_path / "out"
    result = copy_cli(template_root, destination, "risk_tier=high", 'owners=["@alice"]')
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "owners" in result.stderr and "two" in result.stderr
    assert not destination.exists()


def test_pattern_questions_are_only_asked_for_their_pattern(render) -> None:
    from conftest import answers_of

    rag = answers_of(render(pattern="rag-service"))
    approval = answers_of(render(pattern="approval-workflow"))
    assert "retrieval_backend" in rag and "approval_expiry_hours" not in rag
    assert "approval_expiry_hours" in approval and "retrieval_backend" not in approval


HOSTILE = "{{ 7*7 }} $(touch /tmp/pwned) `id`; \"quoted\" 'single' {% raw %}"


def test_jinja_and_shell_in_answers_render_as_inert_text(render) -> None:
    project = render(project_name="Claims {{ 7*7 }} $(id)", description=HOSTILE, owner_team="claims-team")
    readme = (project / "README.md").read_text()
    assert HOSTILE in readme
    assert "Claims {{ 7*7 }} $(id)" in readme and "49" not in readme
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == HOSTILE
    init = next(project.glob("src/*/__init__.py")).read_text()
    namespace: dict[str, object] = {}
    exec(compile(init, "__init__.py", "exec"), namespace)  # noqa: S102 - generated file under test
    assert namespace["PROJECT_NAME"] == "Claims {{ 7*7 }} $(id)"
    assert not Path("/tmp/pwned").exists()


def test_answers_file_records_absolute_source(render, template_root: Path) -> None:
    from conftest import answers_of

    answers = answers_of(render())
    assert Path(answers["_src_path"]).is_absolute()
    assert Path(answers["_src_path"]).resolve() == template_root.resolve()


def test_defaults_follow_earlier_answers(render) -> None:
    from conftest import answers_of

    answers = answers_of(render(project_name="Claims Assistant", risk_tier="high"))
    assert answers["project_slug"] == "claims-assistant"
    assert answers["package_name"] == "claims_assistant"
    assert len(answers["owners"]) == 2
    governance = yaml.safe_load((render(project_name="Claims Assistant").joinpath("governance.yml")).read_text())
    assert governance["feature"] == "claims-assistant"
    json.dumps(governance)


def test_long_project_names_still_get_valid_default_owners(render) -> None:
    from conftest import answers_of

    answers = answers_of(render(project_name="A Rather Long Evidence Copilot Name For Claims", risk_tier="high"))
    assert all(len(handle) <= 40 for handle in answers["owners"])
