"""A small template shaped like paved-roads (platform layer + patterns linked to it), built in tmp.

Update scenarios run against it in a fraction of the time a real pattern takes: same Copier
features (`_subdirectory`, symlinked platform folders, Jinja names and contents), ten files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from controls.projects import git
from copier import run_copy

PATTERNS = ("alpha", "beta")
COPIER_YML = """\
_subdirectory: "templates/{{ pattern }}"
_templates_suffix: .jinja
_answers_file: .copier-answers.yml
pattern:
  type: str
  choices: [alpha, beta]
  default: alpha
name:
  type: str
  default: demo
package:
  type: str
  default: "{{ name | replace('-', '_') }}"
"""


def _lines(tag: str, count: int = 12) -> str:
    return "".join(f"{tag} line {i}: keep this text as it is\n" for i in range(count))


# Source paths of the template (relative to templates/); platform folders are linked into patterns.
PLATFORM_FILES = {
    "platform/src/{{ package }}/core.py": _lines("core"),
    "platform/src/{{ package }}/gate.py": _lines("gate"),
    "platform/src/{{ package }}/audit.py": _lines("audit"),
    "platform/policies/gate.yml": _lines("policy"),
    "platform/policies/pricing.yml": _lines("pricing"),
    "platform/docs/guide.md.jinja": "# {{ name }} guide\n" + _lines("guide"),
}
PLATFORM_LINKS = ("policies", "docs")  # directory symlinks from each pattern into the platform
PATTERN_FILES = {
    "app.py": _lines("app"),
    "rules.yml": _lines("rules"),
    "README.md.jinja": "# {{ name }} ({{ pattern }})\n" + _lines("readme"),
}


def build_template(root: Path, tag: str = "1.0.0") -> Path:
    """Write the template, commit and tag it; returns its folder."""
    root.mkdir(parents=True)
    (root / "copier.yml").write_text(COPIER_YML)
    answers = "{{ _copier_answers | to_nice_yaml }}"
    for rel, text in PLATFORM_FILES.items():
        path = root / "templates" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "templates/platform/{{ _copier_conf.answers_file }}.jinja").write_text(answers)
    for pattern in PATTERNS:
        folder = root / "templates" / pattern
        (folder / "src" / "{{ package }}").mkdir(parents=True)
        for name in PLATFORM_LINKS:
            (folder / name).symlink_to(f"../platform/{name}")
        for name in ("core.py", "gate.py", "audit.py"):
            (folder / "src" / "{{ package }}" / name).symlink_to(f"../../../platform/src/{{{{ package }}}}/{name}")
        answers_link = "{{ _copier_conf.answers_file }}.jinja"
        (folder / answers_link).symlink_to(f"../platform/{answers_link}")
        for rel, text in PATTERN_FILES.items():
            (folder / rel).write_text(text.replace("app line", f"{pattern} app line"))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "template 1.0.0")
    git(root, "tag", tag)
    return root


def generate_project(template: Path, destination: Path, ref: str = "1.0.0", **answers: str) -> Path:
    """`copier copy` of `ref`, committed as the first commit of a fresh git repo."""
    run_copy(str(template), str(destination), data=answers, vcs_ref=ref, defaults=True, quiet=True)
    git(destination, "init", "-q", "-b", "main")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "generated")
    return destination


def clone_project(base: Path, destination: Path) -> Path:
    """A copy of a generated project with its history (cp -a is far cheaper than copier copy)."""
    shutil.copytree(base, destination, symlinks=True)
    return destination


def rendered_name(source_rel: str, package: str = "demo") -> str:
    """Where a template source file (relative to templates/platform or a pattern) lands in a project."""
    name = source_rel.replace("{{ package }}", package)
    return name.removesuffix(".jinja")
