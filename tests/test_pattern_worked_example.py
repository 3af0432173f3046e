"""Worked example: a staff engineer adds a pattern, generates projects from it at every tier, then evolves it.

Everything happens in a snapshot of this checkout (tagged v0.9.0), never in the checkout itself:

1. `paved-roads pattern new incident-digest --title ...` scaffolds the pattern; `pattern check` passes; it is
   committed and released as v1.0.0.
2. A low-tier project passes its own ruff check, format check and whole test suite, its evals and its gate.
3. Medium and high-tier projects reach their gates' evidence the way a team does (a filled-in rollback plan;
   two owners' SSH-signed reviews), on the low project's interpreter (one install for all three), and pass.
4. A platform file changes, v1.1.0 is tagged, and `copier update` brings the change into a project of the new
   pattern with the team's own edit kept.
5. (slow) Its served API passes the fuzz test every pattern gets, from the scaffold's own template_tests.yml.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from controls.projects import TEMPLATE_VERSION, Project, build_clean_project, git, output, snapshot_template
from copier import run_update
from patterns import pattern_tests
from test_api_fuzz import check_served_api

from paved_roads.cli import main
from paved_roads.generate import generate

NAME, IDENT, TITLE = "incident-digest", "incident_digest", "Incident digests"

pytestmark = pytest.mark.xdist_group("pattern-worked-example")  # one worker builds the template and the install


@pytest.fixture(scope="module")
def template(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot with the new pattern scaffolded, committed and tagged as the release projects are made from."""
    root = snapshot_template(template_root, tmp_path_factory.mktemp("authoring") / "template", tag="v0.9.0")
    assert main(["pattern", "new", NAME, "--title", TITLE, "--template", str(root)]) == 0
    assert main(["pattern", "check", NAME, "--template", str(root)]) == 0
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"pattern new {NAME}")
    git(root, "tag", TEMPLATE_VERSION)
    return root


@pytest.fixture(scope="module")
def low(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Low tier: installed, its whole suite run (the JUnit file the gate reads), evals and the shadow test run."""
    return build_clean_project(template, tmp_path_factory.mktemp("low") / "project", "low", pattern=NAME, tests=())


def test_the_scaffold_touched_only_the_snapshot(template_root: Path) -> None:
    assert not (template_root / "templates" / NAME).exists()
    assert f": {NAME}\n" not in (template_root / "copier.yml").read_text()


def test_a_low_tier_project_passes_its_own_lint_format_tests_evals_and_gate(low: Project) -> None:
    ruff = low.python.parent / "ruff"
    for check in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run([str(ruff), *check], cwd=low.path, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    results = (low.path / "var" / "test-results.xml").read_text()
    assert f"tests.{IDENT}.test_evaluation" in results and 'failures="0"' in results and 'errors="0"' in results
    evals = low.run("eval")  # exits 1 when a threshold is missed or the baseline regresses
    assert "thresholds met; no regression" in evals.stdout
    demo = low.run("demo")
    assert "cites: refund-policy" in demo.stdout and "chain intact" in demo.stdout
    gate = low.gate()
    assert gate.returncode == 0, output(gate)
    assert "gate: pass at low tier" in gate.stdout


@pytest.mark.parametrize("tier", ["medium", "high"])
def test_medium_and_high_tier_projects_pass_their_gates(
    template: Path, low: Project, tmp_path: Path, tier: str
) -> None:
    project = build_clean_project(
        template, tmp_path / "project", tier, pattern=NAME, python=low.python, tests=(f"tests/{IDENT}",)
    )
    governance = project.governance()
    assert governance["risk_tier"] == tier and governance["human_in_the_loop"] is (tier == "high")
    gate = project.gate()
    assert gate.returncode == 0, output(gate)
    assert f"gate: pass at {tier} tier" in gate.stdout
    shown = set(gate.stdout.split())
    assert {"medium.eval_thresholds", "medium.no_regression", "medium.shadow_test", "medium.rollback_plan"} <= shown
    if tier == "high":
        assert {"high.independent_review", "high.audit_hmac", "high.decision_records"} <= shown


def test_a_platform_release_reaches_the_new_patterns_projects(template: Path, tmp_path: Path) -> None:
    release = tmp_path / "template"
    git(tmp_path, "clone", "-q", str(template), str(release))  # this test's own copy: the release moves its tags
    git(release, "fetch", "-q", "--tags")
    project = generate(tmp_path / "project", template=release, vcs_ref=TEMPLATE_VERSION, data={"pattern": NAME})
    git(project, "init", "-q", "-b", "main")
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Our runbook\nPage the on-call before changing sources.\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated + our runbook")

    makefile = release / "templates" / "platform" / "Makefile.jinja"
    makefile.write_text(makefile.read_text() + "\nsbom:  ## Platform v1.1: software bill of materials\n\t@echo sbom\n")
    assert main(["pattern", "check", "--template", str(release)]) == 0
    git(release, "commit", "-q", "-am", "platform: add sbom target")
    git(release, "tag", "v1.1.0")

    run_update(str(project), defaults=True, unsafe=True, overwrite=True, quiet=True, conflict="inline")
    assert "sbom:" in (project / "Makefile").read_text()
    assert "Page the on-call before changing sources." in readme.read_text()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v1.1.0" and answers["pattern"] == NAME
    assert not list(project.rglob("*.rej"))


@pytest.mark.slow
def test_the_new_patterns_served_api_refuses_bad_input_and_survives_fuzzing(template: Path, tmp_path: Path) -> None:
    """The same fuzz test every real pattern gets, driven by the scaffold's own template_tests.yml."""
    project = generate(tmp_path / "project", template=template, vcs_ref=TEMPLATE_VERSION, data={"pattern": NAME})
    fuzz = pattern_tests(NAME, template).fuzz
    assert fuzz.requests and "response_schema_conformance" in fuzz.checks
    check_served_api(project, fuzz, tmp_path / "serve.log")
