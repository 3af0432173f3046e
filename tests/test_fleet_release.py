"""Release check (versions agree across files; works without tags) and commands acting on the right checkout."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from controls.projects import git, snapshot_template

from paved_roads.cli import main
from paved_roads.release import check_release, tag_release

pytestmark = pytest.mark.xdist_group("fleet-release")


def test_this_checkout_passes_the_release_check(template_root: Path) -> None:
    """CI's clean clone may have no tags: the check reads pyproject, CHANGELOG.md and copier.yml."""
    assert check_release(template_root) == []


@pytest.fixture
def checkout(template_root: Path, tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    for name in ("pyproject.toml", "CHANGELOG.md", "copier.yml", "src/paved_roads/__init__.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template_root / name, root / name)
    (root / "templates" / "platform").mkdir(parents=True)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert re.search(old, text, flags=re.MULTILINE), old
    path.write_text(re.sub(old, new, text, count=1, flags=re.MULTILINE))


DEFECTS = {
    "version bumped without a changelog entry": (
        "pyproject.toml",
        r'^version = "(\d+)\.(\d+)\.(\d+)"',
        'version = "9.9.9"',
        "newest entry is",
    ),
    "entry without a date": ("CHANGELOG.md", r"^(## \[\d+\.\d+\.\d+\]) - \S+", r"\1", "needs a date"),
    "entry that is not semver": ("CHANGELOG.md", r"^## \[(\d+\.\d+\.\d+)\]", "## [next]", "not a semantic version"),
    "__version__ out of step": (
        "src/paved_roads/__init__.py",
        r'__version__ = "[^"]+"',
        '__version__ = "0.0.0"',
        "__version__",
    ),
    "migration for an unreleased version": (
        "copier.yml",
        r'^  - version: "[^"]+"',
        '  - version: "7.0.0"',
        "migration for 7.0.0",
    ),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_release_defect_is_named(checkout: Path, defect: str) -> None:
    assert check_release(checkout) == []
    name, old, new, expected = DEFECTS[defect]
    _edit(checkout / name, old, new)
    problems = check_release(checkout)
    assert any(expected in p for p in problems), problems
    assert main(["release", "check", "--template", str(checkout)]) == 1


def test_release_tag_checks_then_tags_and_refuses_twice(checkout: Path) -> None:
    git(checkout, "init", "-q", "-b", "main")
    git(checkout, "add", "-A")
    git(checkout, "commit", "-q", "-m", "release")
    tag = tag_release(checkout)
    assert re.fullmatch(r"v\d+\.\d+\.\d+", tag) and git(checkout, "tag", "--list", tag).strip() == tag
    assert main(["release", "tag", "--template", str(checkout)]) == 1  # exists: bump first


def test_link_acts_on_the_checkout_it_runs_in_and_says_so(
    template_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    clone = snapshot_template(template_root, tmp_path / "second-clone")
    missing = clone / "templates" / "rag-service" / "policies"
    missing.unlink()
    cwd = os.getcwd()
    try:
        os.chdir(clone / "templates")
        assert main(["link"]) == 0
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert f"template: {clone} (the checkout you are in)" in out
    assert missing.is_symlink(), "the link is made in the checkout the command runs in"
    assert (template_root / "templates" / "rag-service" / "policies").is_symlink()
    os.chdir(tmp_path)
    try:
        assert main(["link"]) == 1
    finally:
        os.chdir(cwd)
    assert "not inside a paved-roads checkout; cd into one or pass --template PATH" in capsys.readouterr().err
