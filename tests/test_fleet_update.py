"""`paved-roads fleet update` on 22 generated projects: every pattern and tier, each with its own story.

The checks after each update are the projects' lint (`ruff check`, a fast stand-in for tests and
gate that needs no virtualenv); one project's own edit breaks it, so its outcome is gate-failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PATTERNS, TIERS
from controls.projects import git
from fleet.real_fleet import V1, V2, append, build_bases, make_repo

from paved_roads.cli import main
from paved_roads.git_repo import dirty_files

pytestmark = pytest.mark.xdist_group("fleet-real")
CHECK = f"{sys.executable} -m ruff check --quiet --no-cache ."


def _runbook(project: Path) -> None:
    append(project / "README.md", "\n## Our runbook\nPage the on-call before re-indexing.\n")
    (project / "docs" / "team-notes.md").write_text("# Team notes\nWe own this service.\n")


def _own_make_target(project: Path) -> None:
    makefile = project / "Makefile"
    head, rest = makefile.read_text().split("\n", 1)
    makefile.write_text(f"{head}\n# Our own target.\nours:\n\t@true\n{rest}")


def _package(project: Path) -> str:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]


@pytest.fixture(scope="module")
def fleet(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("fleet")
    bases = build_bases(template_root, root)
    repos = root / "repos"
    expected: dict[str, str] = {}

    def add(name: str, base: Path, outcome: str, edit=None) -> Path:
        expected[name] = outcome
        return make_repo(base, repos / name, edit)

    for pattern in PATTERNS:
        for tier in TIERS:
            add(f"{pattern}-{tier}", bases.v1[(pattern, tier)], "updated", _runbook)
    v1 = bases.v1
    add("own-make-target", v1[("rag-service", "low")], "updated", _own_make_target)
    pricing = lambda p: append(p / "policies/pricing.yml", "# our price list note\n")  # noqa: E731
    add("own-pricing", v1[("approval-workflow", "medium")], "updated", pricing)
    add(
        "renamed-doc",
        v1[("copilot-evidence", "low")],
        "updated",
        lambda p: git(p, "mv", "docs/gate.md", "docs/gate-guide.md"),
    )
    add(
        "renamed-waivers",
        v1[("rag-service", "high")],
        "updated",
        lambda p: git(p, "mv", "policies/waivers.yml", "policies/time-boxed-waivers.yml"),
    )
    add(
        "conflicting",
        v1[("rag-service", "medium")],
        "conflicts",
        lambda p: (p / "policies/waivers.yml").write_text(
            (p / "policies/waivers.yml").read_text().replace("owner: platform-security\n", "owner: our-security\n")
        ),
    )
    add(
        "deleted-platform-file",
        v1[("copilot-evidence", "high")],
        "skipped-deleted",
        lambda p: (p / "policies/denied_terms.yml").unlink(),
    )
    add(
        "broken-by-own-code",
        v1[("approval-workflow", "low")],
        "gate-failed",
        lambda p: (p / "src" / _package(p) / "team_helpers.py").write_text("import os\n"),
    )
    dirty = add("dirty", v1[("approval-workflow", "high")], "error")
    (dirty / "README.md").write_text("half-written change\n")
    add("already-current", bases.v2, "up-to-date")
    add("already-current-too", bases.v2, "up-to-date")
    add("own-rag-corpus-file", v1[("rag-service", "medium")], "updated", lambda p: _runbook(p))
    expected["missing"] = "error"
    manifest = root / "fleet.yml"
    entries = [{"name": name, "url": f"repos/{name}"} for name in expected]
    manifest.write_text(yaml.safe_dump({"defaults": {"check": [CHECK]}, "repos": entries}))
    heads = {name: git(repos / name, "rev-parse", "HEAD") for name in expected if name != "missing"}
    workdir = root / "work"
    code = main(["fleet", "update", "--manifest", str(manifest), "--jobs", "2", "--workdir", str(workdir)])
    report = json.loads((workdir / "report" / "fleet-report.json").read_text())
    return {
        "code": code,
        "report": report,
        "outcomes": {r["name"]: r for r in report["repos"]},
        "expected": expected,
        "repos": repos,
        "heads": heads,
        "manifest": manifest,
        "workdir": workdir,
        "template": bases.template,
    }


def test_every_repo_gets_its_outcome(fleet: dict) -> None:
    assert len(fleet["expected"]) >= 20
    got = {name: repo["outcome"] for name, repo in fleet["outcomes"].items()}
    assert got == fleet["expected"]
    assert fleet["code"] == 1, "errors (dirty, missing) make the run exit 1"
    assert fleet["report"]["counts"]["updated"] == 14


def test_details_name_the_files(fleet: dict) -> None:
    outcomes = fleet["outcomes"]
    assert [c["path"] for c in outcomes["conflicting"]["conflicts"]] == ["policies/waivers.yml"]
    assert [s["path"] for s in outcomes["deleted-platform-file"]["skipped"]] == ["policies/denied_terms.yml"]
    assert [c["path"] for c in outcomes["renamed-waivers"]["carried"]] == ["policies/time-boxed-waivers.yml"]
    assert "README.md" in outcomes["dirty"]["summary"] and "--stash" in outcomes["dirty"]["summary"]
    assert "F401" in outcomes["broken-by-own-code"]["check"]["output_tail"]
    for name in ("rag-service-low", "approval-workflow-high", "copilot-evidence-medium"):
        assert outcomes[name]["from_version"] == V1 and outcomes[name]["to_version"] == V2


def test_updates_land_on_a_branch_of_an_isolated_copy_and_nothing_is_pushed(fleet: dict) -> None:
    outcomes, repos = fleet["outcomes"], fleet["repos"]
    copy = Path(outcomes["rag-service-low"]["working_copy"])
    assert git(copy, "rev-parse", "--abbrev-ref", "HEAD").strip() == f"paved-roads/template-{V2}"
    assert "sbom:" in (copy / "Makefile").read_text()
    assert "Page the on-call" in (copy / "README.md").read_text()
    assert not dirty_files(copy), "the update is committed on the branch"
    skipped_copy = Path(outcomes["deleted-platform-file"]["working_copy"])
    assert "policies/denied_terms.yml" in (skipped_copy / ".copier-skipped.yml").read_text()
    for name, head in fleet["heads"].items():
        assert git(repos / name, "rev-parse", "HEAD") == head, f"{name}: its own checkout was changed"
        assert "paved-roads/" not in git(repos / name, "branch", "--list"), f"{name}: a branch was pushed"
    assert (repos / "dirty" / "README.md").read_text() == "half-written change\n", "dirty work untouched"


def test_report_comes_as_json_markdown_and_html(fleet: dict) -> None:
    folder = fleet["workdir"] / "report"
    markdown = (folder / "fleet-report.md").read_text()
    page = (folder / "fleet-report.html").read_text()
    for name in fleet["expected"]:
        assert f"| {name} |" in markdown and f"<td>{name}</td>" in page
    assert "policies/waivers.yml" in markdown and "skipped `policies/denied_terms.yml`" in markdown


def test_a_second_run_resumes_from_recorded_outcomes(fleet: dict, capsys: pytest.CaptureFixture) -> None:
    states = sorted((fleet["workdir"] / "state").glob("*.json"))
    stamps = {p.name: p.stat().st_mtime_ns for p in states}
    main(["fleet", "update", "--manifest", str(fleet["manifest"]), "--jobs", "2", "--workdir", str(fleet["workdir"])])
    assert "from an earlier run" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in states} == stamps, "finished repos are not redone"


def test_fleet_status_shows_version_behind_tier_and_last_gate(fleet: dict, capsys: pytest.CaptureFixture) -> None:
    code = main(["fleet", "status", "--manifest", str(fleet["manifest"]), "--workdir", str(fleet["workdir"]), "--json"])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["rag-service-high"]["versions_behind"] == 1 and rows["rag-service-high"]["allowed_behind"] == 1
    assert rows["rag-service-high"]["drift"] == "behind" and rows["rag-service-high"]["tier"] == "high"
    assert rows["already-current"]["drift"] == "current" and rows["already-current"]["versions_behind"] == 0
    assert rows["rag-service-low"]["last_gate"] == "passed"
    assert rows["broken-by-own-code"]["last_gate"].startswith("failed")
    assert rows["missing"]["error"] and code == 1
