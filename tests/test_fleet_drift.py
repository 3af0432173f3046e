"""The generated project's drift check: behind -> warn, past its tier's limit -> fail, skipped changes listed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from controls.projects import git, snapshot_template
from copier import run_update
from fleet.synthetic import build_template, clone_project, generate_project

from paved_roads.cli import main
from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv
from paved_roads.update import update_project

CORE = "templates/platform/src/{{ package }}/core.py"


def _release(template: Path, tag: str, rel: str = CORE) -> None:
    path = template / rel
    path.write_text(path.read_text() + f"# {tag}\n")
    git(template, "commit", "-q", "-am", tag)
    git(template, "tag", tag)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("drift")
    template = build_template(root / "template")
    project = generate_project(template, root / "base")
    _release(template, "1.1.0")
    _release(template, "1.2.0")
    return template, project


def _with_governance(project: Path, tier: str, allowed: int | None) -> None:
    data = {"risk_tier": tier}
    if allowed is not None:
        data["template"] = {"max_versions_behind": allowed}
    (project / "governance.yml").write_text(yaml.safe_dump(data))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "governance")


def test_behind_within_the_limit_warns(synthetic, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    project = clone_project(synthetic[1], tmp_path / "p")
    _with_governance(project, "low", 3)
    assert main(["drift", str(project)]) == 0
    out = capsys.readouterr().out
    assert "warning: template 1.0.0 is 2 release(s) behind 1.2.0 (1.1.0, 1.2.0); low tier allows 3" in out


def test_past_the_tier_limit_fails_naming_it(synthetic, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    project = clone_project(synthetic[1], tmp_path / "p")
    _with_governance(project, "high", 1)
    assert main(["drift", str(project)]) == 1
    assert "high tier allows 1" in capsys.readouterr().err


def test_no_template_section_uses_the_tier_default(synthetic, tmp_path: Path) -> None:
    project = clone_project(synthetic[1], tmp_path / "p")
    _with_governance(project, "medium", None)
    assert main(["drift", str(project)]) == 0  # medium allows 2 by default
    _with_governance(project, "high", None)
    assert main(["drift", str(project)]) == 1  # high allows 1


def test_skipped_changes_are_listed_before_and_after_the_update(
    synthetic, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    project = clone_project(synthetic[1], tmp_path / "p")
    (project / "src/demo/core.py").unlink()
    _with_governance(project, "low", 3)
    main(["drift", str(project)])
    assert "the next update will skip a template change to src/demo/core.py" in capsys.readouterr().out
    update_project(project, to="1.2.0")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "template 1.2.0")
    assert main(["drift", str(project)]) == 0
    out = capsys.readouterr().out
    assert "template is current (1.2.0)" in out
    assert "template change skipped, file deleted here: src/demo/core.py (1.0.0 -> 1.2.0)" in out
    data = yaml.safe_load((project / ".copier-skipped.yml").read_text())
    data["skipped"][0]["declined"] = "we replaced core.py with our own kernel"
    (project / ".copier-skipped.yml").write_text(yaml.safe_dump(data))
    main(["drift", str(project)])
    assert "skipped" not in capsys.readouterr().out, "a declined skip is no longer listed"


def test_a_change_dropped_by_plain_copier_update_is_still_listed(
    synthetic, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """Renovate or a hand-run `copier update` records nothing; drift finds the skip by rendering."""
    project = clone_project(synthetic[1], tmp_path / "p")
    (project / "src/demo/core.py").unlink()
    _with_governance(project, "low", 3)
    run_update(str(project), vcs_ref="1.2.0", defaults=True, overwrite=True, quiet=True)
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "copier update")
    assert not (project / ".copier-skipped.yml").exists()
    main(["drift", str(project)])
    out = capsys.readouterr().out
    assert "template change skipped, file deleted here: src/demo/core.py (1.0.0 -> 1.2.0)" in out


@pytest.fixture(scope="module")
def real(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("real-drift")
    template = snapshot_template(template_root, root / "template", tag="v1.0.0")
    project = generate(
        root / "project",
        template=template,
        vcs_ref="v1.0.0",
        data={"risk_tier": "high", "owners": ["@acme/lead", "@acme/reviewer"]},
    )
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated")
    return template, project


def test_generated_governance_sets_the_limit_by_tier(real) -> None:
    governance = yaml.safe_load((real[1] / "governance.yml").read_text())
    assert governance["template"] == {"max_versions_behind": 1}


def test_makefile_names_the_tooling_to_install(real, tmp_path: Path) -> None:
    template, project = real
    done = subprocess.run(["make", "-s", "template-source"], cwd=project, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == str(template)
    moved = tmp_path / "url-project"
    shutil.copytree(project, moved, symlinks=True)
    answers = moved / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(f"_src_path: {template}", f"_src_path: file://{template}"))
    done = subprocess.run(["make", "-s", "template-source"], cwd=moved, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"paved-roads @ git+file://{template}@v1.0.0"
    answers.write_text(answers.read_text().replace(f"file://{template}", "/nowhere/paved-roads"))
    done = subprocess.run(["make", "-s", "template-source"], cwd=moved, capture_output=True, text=True)
    assert done.returncode != 0 and "not reachable" in done.stderr


@pytest.mark.parametrize("workflow", ["ci.yml", "template-update.yml"])
def test_generated_workflows_pass_actionlint_and_zizmor(real, workflow: str) -> None:
    path = real[1] / ".github" / "workflows" / workflow
    bin_dir = Path(sys.executable).parent
    lint = subprocess.run([str(bin_dir / "actionlint"), str(path)], capture_output=True, text=True, cwd=real[1])
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run(
        [str(bin_dir / "zizmor"), "--offline", "--min-severity", "high", "--format", "plain", str(path)],
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.xdist_group("real-drift-venv")
def test_project_check_lists_skipped_template_changes(real, tmp_path: Path) -> None:
    project = tmp_path / "checked"
    shutil.copytree(real[1], project, symlinks=True)
    (project / "policies" / "denied_terms.yml").unlink()
    (project / ".copier-skipped.yml").write_text(
        yaml.safe_dump(
            {"skipped": [{"path": "policies/denied_terms.yml", "from": "v1.0.0", "to": "v1.1.0", "declined": None}]}
        )
    )
    env = ProjectEnv(project)
    env.install()
    slug = yaml.safe_load((project / ".copier-answers.yml").read_text())["project_slug"]
    done = env.run(slug, "check", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "template change skipped, file deleted here: policies/denied_terms.yml (v1.0.0 -> v1.1.0)" in done.stderr
