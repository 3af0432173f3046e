"""`copier update` carries a platform change into every pattern and keeps local edits."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PATTERNS
from controls.projects import git, snapshot_template
from copier import run_copy, run_update


@pytest.fixture
def template_v1(template_root: Path, tmp_path: Path) -> Path:
    return snapshot_template(template_root, tmp_path / "template", tag="v1.0.0")


def test_platform_change_reaches_all_patterns_and_local_edits_survive(template_v1: Path, tmp_path: Path) -> None:
    projects = {}
    for pattern in PATTERNS:
        project = tmp_path / pattern
        run_copy(str(template_v1), str(project), data={"pattern": pattern}, defaults=True, unsafe=True, quiet=True)
        git(project, "init", "-q", "-b", "main")
        readme = project / "README.md"
        readme.write_text(readme.read_text() + "\n## Our team's runbook\nPage the on-call before re-indexing.\n")
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "generated + our runbook")
        projects[pattern] = project

    makefile = template_v1 / "templates" / "platform" / "Makefile.jinja"
    makefile.write_text(makefile.read_text() + "\nsbom:  ## Platform v1.1: software bill of materials\n\t@echo sbom\n")
    git(template_v1, "commit", "-q", "-am", "platform: add sbom target")
    git(template_v1, "tag", "v1.1.0")

    for pattern, project in projects.items():
        run_update(str(project), defaults=True, unsafe=True, overwrite=True, quiet=True, conflict="inline")
        assert "sbom:" in (project / "Makefile").read_text(), f"platform change missing in {pattern}"
        assert "Page the on-call before re-indexing." in (project / "README.md").read_text(), pattern
        assert "_commit: v1.1.0" in (project / ".copier-answers.yml").read_text()
        assert not list(project.rglob("*.rej"))
