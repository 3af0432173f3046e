"""`adopt` and `relocate`: repos come under the template, and move with it, without hand-editing answers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from controls.projects import git, snapshot_template
from fleet.real_fleet import V1, V2, append, release_v2
from fleet.synthetic import build_template, clone_project, generate_project

from paved_roads.adopt import AdoptError, apply_plan, plan_adoption
from paved_roads.cli import main
from paved_roads.generate import generate
from paved_roads.git_repo import dirty_files
from paved_roads.update import update_project

pytestmark = pytest.mark.xdist_group("fleet-adopt")
CRUFT_CONTEXT = {
    "project_name": "Claims Helper",
    "project_slug": "claims-helper",
    "module_name": "claims_helper",
    "project_short_description": "Answers adjusters' questions over the claims handbook.",
    "owner_team": "claims-platform",
    "risk_tier": "medium",
    "_template": "https://git.example.com/platform/paved-roads-cookiecutter",
}


@pytest.fixture(scope="module")
def template(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("adopt")
    snapshot = snapshot_template(template_root, root / "template", tag=V1)
    cookiecutter_made = generate(
        root / "rendered-cruft",
        template=snapshot,
        vcs_ref=V1,
        data={
            "pattern": "rag-service",
            "project_name": "Claims Helper",
            "owner_team": "claims-platform",
            "risk_tier": "medium",
            "description": CRUFT_CONTEXT["project_short_description"],
        },
    )
    hand_made = generate(
        root / "rendered-hand",
        template=snapshot,
        vcs_ref=V1,
        data={"pattern": "approval-workflow", "project_name": "Refund Approvals", "risk_tier": "low"},
    )
    release_v2(snapshot)
    return {"template": snapshot, "cruft": cookiecutter_made, "hand": hand_made}


def _cruft_repo(template: dict, destination: Path) -> Path:
    """What `cruft create` leaves: the rendered files, `.cruft.json`, no Copier answers; then the team's edits."""
    shutil.copytree(template["cruft"], destination, symlinks=True)
    (destination / ".copier-answers.yml").unlink()
    (destination / ".cruft.json").write_text(
        json.dumps(
            {
                "template": CRUFT_CONTEXT["_template"],
                "commit": "4f2c1d0e9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e",
                "checkout": None,
                "context": {"cookiecutter": CRUFT_CONTEXT},
                "directory": None,
            },
            indent=2,
        )
    )
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "cruft create")
    append(destination / "README.md", "\n## Claims team runbook\nEscalate to the duty adjuster.\n")
    git(destination, "commit", "-q", "-am", "our runbook")
    return destination


def _hand_made_repo(template: dict, destination: Path) -> Path:
    """Made by hand long ago: part of the platform copied in, their own code, no template records."""
    shutil.copytree(template["hand"], destination, symlinks=True)
    (destination / ".copier-answers.yml").unlink()
    shutil.rmtree(destination / "tests")
    shutil.rmtree(destination / "docs")
    (destination / "Makefile").unlink()
    append(destination / "policies" / "pricing.yml", "# negotiated rates, see contract 2026-04\n")
    (destination / "NOTES.md").write_text("Our own notes.\n")
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "hand-made service")
    return destination


def test_cruft_repo_is_adopted_after_showing_the_plan_then_updates_cleanly(
    template: dict, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    repo = _cruft_repo(template, tmp_path / "claims")
    head = git(repo, "rev-parse", "HEAD")
    args = ["adopt", str(repo), "--pattern", "rag-service", "--template", str(template["template"])]
    assert main(args) == 0
    shown = capsys.readouterr().out
    assert "answers from: .cruft.json" in shown and f"pinned to {V1}" in shown
    assert "+++ b/.copier-answers.yml" in shown and "remove .cruft.json" in shown
    assert git(repo, "rev-parse", "HEAD") == head and not dirty_files(repo), "showing the plan writes nothing"

    assert main([*args, "--yes"]) == 0
    answers = yaml.safe_load((repo / ".copier-answers.yml").read_text())
    assert answers["_commit"] == V1 and answers["project_slug"] == "claims-helper"
    assert answers["package_name"] == "claims_helper" and answers["risk_tier"] == "medium"
    assert not (repo / ".cruft.json").exists() and not dirty_files(repo)

    result = update_project(repo, to=V2)
    assert result.outcome == "updated" and not result.conflicts and not result.skipped
    assert "sbom:" in (repo / "Makefile").read_text()
    assert "Escalate to the duty adjuster." in (repo / "README.md").read_text()


def test_hand_made_repo_gets_the_missing_platform_and_then_updates_cleanly(template: dict, tmp_path: Path) -> None:
    repo = _hand_made_repo(template, tmp_path / "refunds")
    plan = plan_adoption(repo, source=str(template["template"]), pattern="approval-workflow")
    assert plan.release.tag == V1, plan.scores
    assert "Makefile" in plan.add and any(p.startswith("tests/") for p in plan.add)
    assert "policies/pricing.yml" in plan.keep and "NOTES.md" not in plan.add
    apply_plan(plan)
    assert (repo / "Makefile").is_file() and (repo / "NOTES.md").is_file()

    result = update_project(repo, to=V2)
    assert result.outcome == "updated", result.markdown()
    assert "sbom:" in (repo / "Makefile").read_text()
    assert "negotiated rates" in (repo / "policies" / "pricing.yml").read_text()


def test_adopt_never_leaves_a_half_written_tree(template: dict, tmp_path: Path) -> None:
    repo = _hand_made_repo(template, tmp_path / "refunds")
    plan = plan_adoption(repo, source=str(template["template"]), pattern="approval-workflow", version=V1)
    (repo / "NOTES.md").write_text("edited while the plan was on screen\n")
    with pytest.raises(AdoptError, match="uncommitted changes .*NOTES.md"):
        apply_plan(plan)
    git(repo, "commit", "-q", "-am", "moved on")
    (repo / "Makefile").write_text("a Makefile committed after the plan\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "own Makefile")
    head = git(repo, "rev-parse", "HEAD")
    with pytest.raises(AdoptError, match="unchanged"):
        apply_plan(plan)  # the plan was made for an older HEAD: the fast-forward is refused
    assert git(repo, "rev-parse", "HEAD") == head and not dirty_files(repo)
    assert not (repo / ".copier-answers.yml").exists() and not (repo / "tests").exists()
    assert (repo / "Makefile").read_text() == "a Makefile committed after the plan\n"


def test_a_repo_already_under_the_template_is_refused(template: dict, tmp_path: Path) -> None:
    with pytest.raises(AdoptError, match="already has .copier-answers.yml"):
        plan_adoption(template["cruft"], source=str(template["template"]), pattern="rag-service")


@pytest.fixture
def moved_template(tmp_path: Path) -> tuple[Path, Path, Path]:
    template = build_template(tmp_path / "old-home")
    project = generate_project(template, tmp_path / "project")
    new_home = tmp_path / "new-home"
    subprocess.run(["git", "clone", "--quiet", str(template), str(new_home)], check=True)
    return template, project, new_home


def test_relocate_rewrites_only_the_source_and_updates_work_from_the_new_home(moved_template, capsys) -> None:
    template, project, new_home = moved_template
    before = (project / ".copier-answers.yml").read_text()
    assert main(["relocate", str(new_home), str(project)]) == 0
    after = (project / ".copier-answers.yml").read_text()
    assert after == before.replace(f"_src_path: {template}", f"_src_path: {new_home}")
    assert not dirty_files(project) and "Template moved" in git(project, "log", "-1", "--format=%s")
    core = new_home / "templates/platform/src/{{ package }}/core.py"
    core.write_text(core.read_text() + "# moved home\n")
    git(new_home, "commit", "-q", "-am", "1.1.0")
    git(new_home, "tag", "1.1.0")
    shutil.rmtree(template)  # the old home is gone
    result = update_project(project, to="1.1.0")
    assert result.outcome == "updated" and "# moved home" in (project / "src/demo/core.py").read_text()


def test_relocate_refuses_a_home_without_the_release_or_a_dirty_tree(moved_template, tmp_path: Path, capsys) -> None:
    template, project, new_home = moved_template
    git(new_home, "tag", "-d", "1.0.0")
    assert main(["relocate", str(new_home), str(project)]) == 1
    assert "has no release 1.0.0" in capsys.readouterr().err
    other = clone_project(project, tmp_path / "dirty")
    (other / "app.py").write_text("wip\n")
    assert main(["relocate", str(template), str(other)]) == 1
    assert "uncommitted changes (app.py)" in capsys.readouterr().err
