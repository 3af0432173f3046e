"""The work `paved-roads update` stops Copier from repeating gives the same results Copier's own code gives."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from copier import run_copy
from jinja2.sandbox import SandboxedEnvironment

from paved_roads.update import _reused_copier_work


def test_compiled_strings_are_reused_only_under_the_same_jinja_settings() -> None:
    source = "[[ name ]] {{ name }}"
    default = SandboxedEnvironment()
    brackets = SandboxedEnvironment(variable_start_string="[[", variable_end_string="]]")
    with _reused_copier_work():
        first = default.from_string(source).render(name="x")
        second = brackets.from_string(source).render(name="x")
        again = default.from_string(source).render(name="y")
    # a cache keyed on the source alone would hand the brackets environment the default's code
    assert (first, second, again) == ("[[ name ]] x", "x {{ name }}", "[[ name ]] y")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_executable_bit_still_reaches_the_index_when_git_ignores_file_modes(tmp_path: Path) -> None:
    """Copier's core.fileMode=false handling runs as before; only the repeated config lookup is saved."""
    template = tmp_path / "template"
    template.mkdir()
    (template / "copier.yml").write_text("name:\n  type: str\n  default: demo\n")
    for script in ("run.sh", "build.sh"):
        (template / script).write_text("#!/bin/sh\necho {{ name }}\n")
        os.chmod(template / script, 0o755)
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q", "-b", "main")
    _git(project, "config", "core.fileMode", "false")
    for script in ("run.sh", "build.sh"):
        (project / script).write_text("#!/bin/sh\necho old\n")
    _git(project, "add", "-A")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x"}
    subprocess.run(["git", "commit", "-q", "-m", "scripts"], cwd=project, check=True, env={**os.environ, **env})
    with _reused_copier_work():
        run_copy(str(template), str(project), defaults=True, overwrite=True, unsafe=True, quiet=True)
    modes = {line.split("\t")[1]: line.split()[0] for line in _git(project, "ls-files", "--stage").splitlines()}
    assert modes["run.sh"] == modes["build.sh"] == "100755"
