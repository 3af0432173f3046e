"""A fleet of generated projects from a tagged snapshot of this checkout, and the release that updates them.

Nine projects are rendered (three patterns x three tiers) and copied with `cp -a` into as many
repos as a test needs, each with its own local edits: copying is ~50x cheaper than rendering.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import PATTERNS, TIERS
from controls.projects import git, snapshot_template

from paved_roads.generate import generate

V1, V2 = "v1.0.0", "v1.1.0"
OWNERS = {"low": ["@acme/lead"], "medium": ["@acme/lead"], "high": ["@acme/lead", "@acme/reviewer"]}
WAIVERS = "templates/platform/policies/waivers.yml"
DENIED = "templates/platform/policies/denied_terms.yml"
MAKEFILE = "templates/platform/Makefile.jinja"
RAG_CORPUS = "templates/rag-service/corpus/customer-refunds.md"
SHORT_NAMES = {"rag-service": "rag", "approval-workflow": "approvals", "copilot-evidence": "copilot"}


def release_v2(template: Path) -> None:
    """The platform release the fleet takes: a Makefile target, two policy edits, a pattern file edit."""
    makefile = template / MAKEFILE
    makefile.write_text(makefile.read_text() + "\nsbom:  ## Platform v1.1: software bill of materials\n\t@echo sbom\n")
    waivers = template / WAIVERS
    waivers.write_text(waivers.read_text().replace("owner: platform-security\n", "owner: platform-security-office\n"))
    denied = template / DENIED
    denied.write_text(denied.read_text().replace("Unreleased product code names", "Unreleased product and code names"))
    corpus = template / RAG_CORPUS
    corpus.write_text(corpus.read_text() + "\nRefunds above 500 EUR need a second approver (policy 2026-11).\n")
    git(template, "add", "-A")
    git(template, "commit", "-q", "-m", "platform 1.1: sbom target, policy owners, refund rule")
    git(template, "tag", V2)


@dataclass
class Bases:
    template: Path
    v1: dict[tuple[str, str], Path]  # (pattern, tier) -> project at v1.0.0
    v2: Path  # one project already at v1.1.0


def build_bases(template_root: Path, root: Path) -> Bases:
    template = snapshot_template(template_root, root / "template", tag=V1)
    v1 = {}
    for pattern in PATTERNS:
        for tier in TIERS:
            project = root / "bases" / f"{pattern}-{tier}"
            generate(project, template=template, vcs_ref=V1, data=_answers(pattern, tier))
            _commit_all(project, "generated from paved-roads")
            v1[(pattern, tier)] = project
    release_v2(template)
    v2 = root / "bases" / "current"
    generate(v2, template=template, vcs_ref=V2, data=_answers("copilot-evidence", "medium"))
    _commit_all(v2, "generated from paved-roads")
    return Bases(template, v1, v2)


def _answers(pattern: str, tier: str) -> dict:
    short = SHORT_NAMES.get(pattern, pattern)  # any pattern folder works; these three keep their repo names
    return {"pattern": pattern, "risk_tier": tier, "owners": OWNERS[tier], "project_name": f"{short} {tier}"}


def _commit_all(project: Path, message: str) -> None:
    if not (project / ".git").exists():
        git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", message)


def make_repo(base: Path, destination: Path, edit: Callable[[Path], None] | None = None, message: str = "team edits"):
    """A copy of a base project with the team's edits committed."""
    shutil.copytree(base, destination, symlinks=True)
    if edit is not None:
        edit(destination)
        _commit_all(destination, message)
    return destination


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)
