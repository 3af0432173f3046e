"""Copier `_migrations` for a renamed setting and a moved file (migrations/apply.py), under plain `copier update`.

Release 2.0.0 of a small template renames the question `name` to `title` and moves `audit.py` to
`audit/log.py`. Without the migration an update forgets the team's answer and deletes their edits;
with it, the answer is carried over and the edits are merged into the new path, once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from controls.projects import git
from copier import run_update
from fleet.synthetic import PATTERNS, build_template, clone_project, generate_project

from paved_roads.update import update_project

ROOT = Path(__file__).resolve().parents[1]
TEAM_LINE = "# our own audit sink: also write to the SIEM\n"
MIGRATION = """
_migrations:
  - version: "2.0.0"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/migrations/apply.py", "2.0.0"]
    when: "{{ _stage in ['before', 'after'] }}"
"""


def release_2(template: Path, *, with_migration: bool, tag: str) -> None:
    git(template, "checkout", "-q", "-f", "--detach", "1.0.0")
    copier_yml = template / "copier.yml"
    text = copier_yml.read_text().replace("name:\n  type: str\n  default: demo", "title:\n  type: str\n  default: demo")
    copier_yml.write_text(text.replace("{{ name |", "{{ title |") + (MIGRATION if with_migration else ""))
    for jinja in template.rglob("*.jinja"):
        if not jinja.is_symlink():
            jinja.write_text(jinja.read_text().replace("{{ name }}", "{{ title }}"))
    platform_src = template / "templates/platform/src/{{ package }}"
    (platform_src / "audit").mkdir()
    git(
        template,
        "mv",
        "templates/platform/src/{{ package }}/audit.py",
        "templates/platform/src/{{ package }}/audit/log.py",
    )
    for pattern in PATTERNS:
        link = template / "templates" / pattern / "src" / "{{ package }}"
        (link / "audit.py").unlink()
        (link / "audit").symlink_to("../../../platform/src/{{ package }}/audit")
    if with_migration:
        (template / "migrations").mkdir()
        shutil.copy(ROOT / "migrations" / "apply.py", template / "migrations" / "apply.py")
        (template / "migrations" / "2.0.0.yml").write_text(
            yaml.safe_dump(
                {
                    "answers": {"name": "title"},
                    "files": {"src/{{ package }}/audit.py": "src/{{ package }}/audit/log.py"},
                }
            )
        )
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", tag)
    git(template, "tag", "-f", tag)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("migrations")
    template = build_template(root / "template")
    project = generate_project(template, root / "base", name="billing")
    audit = project / "src/billing/audit.py"
    audit.write_text(audit.read_text() + TEAM_LINE)
    git(project, "commit", "-q", "-am", "our audit sink")
    return template, project


def test_without_the_migration_copier_forgets_the_answer_and_loses_the_edits(base, tmp_path: Path) -> None:
    template, project = base
    release_2(template, with_migration=False, tag="2.0.0")
    plain = clone_project(project, tmp_path / "plain")
    run_update(str(plain), vcs_ref="2.0.0", defaults=True, overwrite=True, unsafe=True, quiet=True)
    assert "# demo" in (plain / "README.md").read_text(), "the renamed question fell back to its default"
    assert not (plain / "src/billing").exists() or TEAM_LINE not in (plain / "src/billing/audit/log.py").read_text()


def test_the_migration_carries_the_answer_and_the_edits_under_plain_copier(base, tmp_path: Path) -> None:
    template, project = base
    release_2(template, with_migration=True, tag="2.0.0")
    plain = clone_project(project, tmp_path / "plain")
    run_update(str(plain), vcs_ref="2.0.0", defaults=True, overwrite=True, unsafe=True, quiet=True)
    answers = yaml.safe_load((plain / ".copier-answers.yml").read_text())
    assert answers["title"] == "billing" and "name" not in answers
    assert "# billing" in (plain / "README.md").read_text()
    moved = plain / "src/billing/audit/log.py"
    assert TEAM_LINE in moved.read_text() and "audit line 0" in moved.read_text()
    assert not (plain / "src/billing/audit.py").exists()

    before = moved.read_bytes()  # running the migration again changes nothing
    environment = {**os.environ, "STAGE": "after", "VERSION_FROM": "1.0.0"}
    script = template / "migrations" / "apply.py"
    subprocess.run([sys.executable, str(script), "2.0.0"], cwd=plain, env=environment, check=True)
    subprocess.run(
        [sys.executable, str(script), "2.0.0"], cwd=plain, env={**environment, "STAGE": "before"}, check=True
    )
    assert moved.read_bytes() == before
    assert yaml.safe_load((plain / ".copier-answers.yml").read_text())["title"] == "billing"


def test_paved_roads_update_reports_the_migrated_move(base, tmp_path: Path) -> None:
    template, project = base
    release_2(template, with_migration=True, tag="2.0.0")
    ours = clone_project(project, tmp_path / "ours")
    result = update_project(ours, to="2.0.0")
    assert result.outcome == "updated", result.markdown()
    assert [n.path for n in result.carried] == ["src/billing/audit/log.py"]
    assert "moved by the template's migration" in result.carried[0].detail
    assert not result.conflicts


BASELINE_0_1_0 = "4bfe957895df409727b2aad8992d5ec444a94b7e"  # main when 0.1.0 was cut (see CHANGELOG.md)


@pytest.mark.xdist_group("real-0.2.0")
def test_real_release_0_2_0_carries_edits_to_moved_platform_files(template_root: Path, tmp_path: Path) -> None:
    """A rag-service project made at 0.1.0 with edits to two files 0.2.0 moved keeps both edits."""
    from controls.projects import snapshot_template

    from paved_roads.generate import generate

    if subprocess.run(["git", "cat-file", "-e", BASELINE_0_1_0], cwd=template_root).returncode != 0:
        pytest.skip("this clone has no history back to 0.1.0")
    template = tmp_path / "template"
    template.mkdir()
    archive = subprocess.run(["git", "archive", BASELINE_0_1_0], cwd=template_root, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(template)], input=archive.stdout, check=True)
    git(template, "init", "-q", "-b", "main")
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "0.1.0")
    git(template, "tag", "v0.1.0")
    current = snapshot_template(template_root, tmp_path / "current")
    shutil.rmtree(template / "templates")
    git(template, "rm", "-q", "-r", "--cached", "templates")
    for name in ("templates", "copier.yml", "migrations", "extensions"):
        target = template / name
        if target.is_dir():
            shutil.rmtree(target)
        if (current / name).is_dir():
            shutil.copytree(current / name, target, symlinks=True)
        else:
            shutil.copy(current / name, target)
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "0.2.0")
    git(template, "tag", "v0.2.0")

    project = generate(tmp_path / "project", template=template, vcs_ref="v0.1.0", data={"pattern": "rag-service"})
    package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
    edits = {
        f"src/{package}/platform/budget.py": f"src/{package}/platform/budget/guard.py",
        f"src/{package}/retrieval/bm25.py": f"src/{package}/platform/knowledge/retrieval/bm25.py",
    }
    git(project, "init", "-q", "-b", "main")
    for old in edits:
        (project / old).write_text((project / old).read_text() + "\n# team: tuned for our corpus\n")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated at 0.1.0, with our edits")
    result = update_project(project, to="v0.2.0")
    for old, new in edits.items():
        assert "# team: tuned for our corpus" in (project / new).read_text(), f"edit to {old} lost"
        assert not (project / old).exists()
    assert {n.path for n in result.carried} >= set(edits.values()), result.markdown()
