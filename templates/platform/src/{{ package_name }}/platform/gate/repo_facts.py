"""Facts read from the repository itself: test results, rollback plan, CODEOWNERS, template version.

Each function returns a plain dict for the policy input plus an `evidence` list of
{file, sha256, figure} the evidence bundle shows next to the control that used it.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ElementTree  # noqa: S405 - parses the JUnit file our own pytest run wrote
from pathlib import Path
from typing import Any

import yaml

from .git import project_files, template_releases
from .template_versions import newer_than, parse_version

ROLLBACK_PLAN = Path("docs/rollback-plan.md")
ROLLBACK_SECTIONS = ("Trigger", "How", "Data", "Owner", "Tested on")
TEMPLATE_MARKER = "<!-- TEMPLATE:"
SKIPPED_TEMPLATE_CHANGES = ".copier-skipped.yml"
_TODO = re.compile(r"\bTODO\b")
# Code whose change makes earlier test results stale.
_TESTED_DIRS = ("src", "tests")


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry(file: str, figure: str, path: Path | None = None) -> dict[str, Any]:
    """One line of evidence: what was looked at, its content hash when it is a file, what it showed."""
    digest = sha256_of(path) if path is not None and path.is_file() else ""
    return {"file": file, "sha256": digest, "figure": figure}


def shown(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def junit_results(root: Path, path: Path) -> dict[str, Any]:
    """Totals from pytest's JUnit XML, and the newest source file if it changed after the run."""
    facts: dict[str, Any] = {
        "found": path.is_file(),
        "path": shown(root, path),
        "tests": 0,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "failed": [],
        "stale_because": None,
        "evidence": [],
    }
    if not facts["found"]:
        return facts
    try:
        tree = ElementTree.parse(path)  # noqa: S314 - local file written by pytest
    except ElementTree.ParseError as error:
        facts |= {"errors": 1, "failed": [f"{facts['path']} is not valid JUnit XML ({error})"]}
        return facts
    suites = [tree.getroot()] if tree.getroot().tag == "testsuite" else list(tree.getroot().iter("testsuite"))
    for key in ("tests", "failures", "errors", "skipped"):
        facts[key] = sum(int(suite.get(key, 0)) for suite in suites)
    for case in tree.getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            facts["failed"].append(f"{case.get('classname', '')}::{case.get('name', '')}")
    facts["failed"] = facts["failed"][:5]
    run_at = path.stat().st_mtime
    newer = [
        file
        for file in project_files(root)
        if file.relative_to(root).parts[0] in _TESTED_DIRS and file.stat().st_mtime > run_at + 1.0
    ]
    if newer:
        facts["stale_because"] = shown(root, max(newer, key=lambda file: file.stat().st_mtime))
    figure = f"{facts['tests']} tests, {facts['failures']} failed, {facts['errors']} errors, {facts['skipped']} skipped"
    facts["evidence"] = [{"file": facts["path"], "sha256": sha256_of(path), "figure": figure}]
    return facts


def rollback_plan(root: Path) -> dict[str, Any]:
    """Is the plan there, is it still the template, and does every section say something?"""
    path = root / ROLLBACK_PLAN
    facts: dict[str, Any] = {
        "found": path.is_file(),
        "path": ROLLBACK_PLAN.as_posix(),
        "template_marker": False,
        "todo_lines": [],
        "missing_sections": [],
        "evidence": [],
    }
    if not facts["found"]:
        return facts
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    facts["template_marker"] = TEMPLATE_MARKER in text
    facts["todo_lines"] = [number for number, line in enumerate(lines, start=1) if _TODO.search(line)]
    for section in ROLLBACK_SECTIONS:
        label = re.compile(
            rf"^\s*(?:[-*]\s*)?(?:\*\*{re.escape(section)}\*\*|#+\s*{re.escape(section)})\s*:?\s*(.*)$", re.I
        )
        filled = False
        for index, line in enumerate(lines):
            match = label.match(line)
            if match and (match.group(1).strip(" -:") or _has_body_below(lines, index)):
                filled = True
                break
        if not filled:
            facts["missing_sections"].append(section)
    marker = "present" if facts["template_marker"] else "gone"
    figure = f"{len(lines)} lines, {len(facts['todo_lines'])} TODO, template marker {marker}"
    facts["evidence"] = [{"file": facts["path"], "sha256": sha256_of(path), "figure": figure}]
    return facts


def _has_body_below(lines: list[str], index: int) -> bool:
    """A heading-style section counts when a non-empty line follows before the next heading."""
    for line in lines[index + 1 :]:
        if line.startswith("#") or line.lstrip().startswith("- **"):
            return False
        if line.strip():
            return True
    return False


def codeowners(root: Path) -> dict[str, Any]:
    """Owner handles from CODEOWNERS (root, .github/ or docs/, as GitHub looks them up)."""
    for candidate in (root / ".github" / "CODEOWNERS", root / "CODEOWNERS", root / "docs" / "CODEOWNERS"):
        if candidate.is_file():
            owners: set[str] = set()
            for line in candidate.read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                owners.update(token for token in line.split()[1:] if token.startswith("@") or "@" in token)
            path = shown(root, candidate)
            figure = f"{len(owners)} owner(s)"
            return {
                "found": True,
                "path": path,
                "owners": sorted(owners),
                "evidence": [{"file": path, "sha256": sha256_of(candidate), "figure": figure}],
            }
    return {"found": False, "path": "CODEOWNERS", "owners": [], "evidence": []}


def skipped_template_changes(root: Path) -> list[str]:
    """Template changes not taken because the file was deleted here (`.copier-skipped.yml`), one line each.

    `paved-roads update` records them; an entry counts until the file is restored (change taken)
    or its `declined` says why the team keeps the file deleted.
    """
    path = root / SKIPPED_TEMPLATE_CHANGES
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("skipped") if path.is_file() else None
    lines = []
    for entry in entries or []:
        if not isinstance(entry, dict) or entry.get("declined") or (root / str(entry.get("path"))).exists():
            continue
        lines.append(
            f"template change skipped, file deleted here: {entry.get('path')} ({entry.get('from')} -> "
            f"{entry.get('to')}); restore it, or say why in `declined` in {SKIPPED_TEMPLATE_CHANGES}"
        )
    return lines


def template_drift(root: Path, *, allowed: int, timeout_s: float = 5.0) -> dict[str, Any]:
    """How many released template versions this project is behind, next to the `allowed` its tier gives.

    Counts what the CI drift job counts (`template_versions`): PEP 440 release tags at the
    recorded source newer than `.copier-answers.yml` `_commit`.
    """
    answers_path = root / ".copier-answers.yml"
    facts: dict[str, Any] = {
        "status": "unknown",
        "reason": "",
        "src_path": "",
        "current_version": "",
        "latest_version": "",
        "behind": [],
        "max_versions_behind": allowed,
        "evidence": [],
    }
    if not answers_path.is_file():
        facts["reason"] = "no .copier-answers.yml (not generated by copier, or the file was removed)"
        return facts
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    facts["src_path"] = str(answers.get("_src_path", ""))
    facts["current_version"] = str(answers.get("_commit", ""))
    facts["evidence"] = [
        {
            "file": ".copier-answers.yml",
            "sha256": sha256_of(answers_path),
            "figure": f"_commit {facts['current_version'] or '?'}",
        }
    ]
    if not facts["src_path"] or parse_version(facts["current_version"]) is None:
        facts["reason"] = "the answers file records no template source or no released version (_src_path, _commit)"
        return facts
    releases, why = template_releases(facts["src_path"], timeout_s=timeout_s)
    if releases is None:
        facts["reason"] = why
        return facts
    facts["latest_version"] = releases[-1].tag
    facts["behind"] = [release.tag for release in newer_than(facts["current_version"], releases)]
    facts["status"] = "behind" if facts["behind"] else "current"
    figure = f"newest tag {facts['latest_version']}, {len(facts['behind'])} release(s) behind, {allowed} allowed"
    facts["evidence"].append({"file": facts["src_path"], "sha256": "", "figure": figure})
    return facts
