"""`paved-roads update`: each case plain `copier update` gets wrong, and the dirty-tree rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from controls.projects import git
from copier import run_update
from fleet.synthetic import build_template, clone_project, generate_project

from paved_roads.cli import main
from paved_roads.git_repo import DirtyTreeError, dirty_files
from paved_roads.update import SKIPPED_FILE, update_project

CORE = "templates/platform/src/{{ package }}/core.py"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cases")
    template = build_template(root / "template")
    (template / "CHANGELOG.md").write_text(
        "# Changelog\n\n## [2.0.0] - 2026-12-01\n\n### Changed\n- core.py says hello.\n\n"
        "## [1.0.0] - 2026-11-01\n\n- first\n"
    )
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "changelog")
    git(template, "tag", "-f", "1.0.0")
    return template, generate_project(template, root / "base")


def _release(template: Path, tag: str, change) -> None:
    git(template, "checkout", "-q", "-f", "--detach", "1.0.0")
    change(template)
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", tag)
    git(template, "tag", "-f", tag)


def _append(template: Path, rel: str, text: str) -> None:
    path = template / rel
    path.write_text(path.read_text() + text)


def _project(base: tuple[Path, Path], tmp_path: Path, local=None) -> Path:
    project = clone_project(base[1], tmp_path / "project")
    if local:
        local(project)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "local")
    return project


def test_template_change_to_a_deleted_file_is_reported_and_recorded(base, tmp_path: Path) -> None:
    """Plain copier drops the change in silence; the update reports it and records it for `check`."""
    template, _ = base
    _release(template, "2.0.0", lambda t: _append(t, CORE, "def hello():\n    return 'hi'\n"))
    deleted = lambda p: (p / "src/demo/core.py").unlink()  # noqa: E731

    plain = _project(base, tmp_path / "plain", deleted)
    run_update(str(plain), vcs_ref="2.0.0", defaults=True, overwrite=True, quiet=True)
    assert not (plain / "src/demo/core.py").exists()
    assert dirty_files(plain) == [".copier-answers.yml"], "copier says nothing about the skipped change"

    project = _project(base, tmp_path / "ours", deleted)
    result = update_project(project, to="2.0.0")
    assert result.outcome == "skipped-deleted"
    assert [n.path for n in result.skipped] == ["src/demo/core.py"]
    recorded = yaml.safe_load((project / SKIPPED_FILE).read_text())["skipped"]
    assert recorded[0]["path"] == "src/demo/core.py" and recorded[0]["to"] == "2.0.0"
    assert "core.py says hello." in result.markdown(), "the changelog entry goes into the report"


def test_edits_follow_a_file_the_template_renamed(base, tmp_path: Path) -> None:
    template, _ = base

    def rename(t: Path) -> None:
        git(t, "mv", "templates/alpha/rules.yml", "templates/alpha/routing.yml")

    _release(template, "2.0.1", rename)
    project = _project(base, tmp_path, lambda p: _append(p, "rules.yml", "team: our own rule\n"))
    result = update_project(project, to="2.0.1")
    assert "team: our own rule" in (project / "routing.yml").read_text()
    assert not (project / "rules.yml").exists()
    assert [n.path for n in result.carried] == ["routing.yml"] and result.outcome == "updated"


def test_template_change_follows_a_file_the_team_renamed(base, tmp_path: Path) -> None:
    template, _ = base
    _release(template, "2.0.2", lambda t: _append(t, CORE, "PLATFORM = 'v2'\n"))

    def rename(p: Path) -> None:
        git(p, "mv", "src/demo/core.py", "src/demo/kernel.py")

    project = _project(base, tmp_path, rename)
    result = update_project(project, to="2.0.2")
    assert "PLATFORM = 'v2'" in (project / "src/demo/kernel.py").read_text()
    assert not (project / "src/demo/core.py").exists() and not result.skipped


def test_an_edited_file_the_template_deleted_is_kept_as_a_conflict(base, tmp_path: Path) -> None:
    template, _ = base
    _release(template, "2.0.3", lambda t: (t / "templates/alpha/app.py").unlink())
    project = _project(base, tmp_path, lambda p: _append(p, "app.py", "OURS = True\n"))
    result = update_project(project, to="2.0.3")
    assert "OURS = True" in (project / "app.py").read_text()
    assert [n.path for n in result.conflicts] == ["app.py"] and result.outcome == "conflicts"


def test_same_lines_changed_on_both_sides_is_a_reported_conflict(base, tmp_path: Path) -> None:
    template, _ = base

    def change(t: Path) -> None:
        path = t / "templates/alpha/app.py"
        path.write_text(path.read_text().replace("alpha app line 3", "template's line 3"))

    def local(p: Path) -> None:
        (p / "app.py").write_text((p / "app.py").read_text().replace("alpha app line 3", "team's line 3"))

    _release(template, "2.0.4", change)
    project = _project(base, tmp_path, local)
    result = update_project(project, to="2.0.4")
    text = (project / "app.py").read_text()
    assert "team's line 3" in text and "template's line 3" in text and "<<<<<<< " in text
    assert [n.path for n in result.conflicts] == ["app.py"]


def test_a_dirty_tree_is_refused_with_its_files_or_stashed_and_restored(base, tmp_path: Path) -> None:
    template, _ = base
    _release(template, "2.0.5", lambda t: _append(t, CORE, "# v2.0.5\n"))
    project = _project(base, tmp_path)
    (project / "app.py").write_text("work in progress\n")
    (project / "scratch.txt").write_text("notes\n")
    with pytest.raises(DirtyTreeError) as refused:
        update_project(project, to="2.0.5")
    assert "app.py" in str(refused.value) and "scratch.txt" in str(refused.value)
    assert main(["update", str(project), "--to", "2.0.5"]) == 1

    result = update_project(project, to="2.0.5", use_stash=True)
    assert (project / "app.py").read_text() == "work in progress\n"
    assert (project / "scratch.txt").read_text() == "notes\n"
    assert "# v2.0.5" in (project / "src/demo/core.py").read_text()
    assert "stashed" in result.notes[0]


def test_an_up_to_date_project_is_left_alone(base, tmp_path: Path) -> None:
    project = _project(base, tmp_path)
    result = update_project(project, to="1.0.0")
    assert result.outcome == "up-to-date" and not dirty_files(project)
