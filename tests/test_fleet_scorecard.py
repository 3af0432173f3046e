"""`paved-roads fleet scorecard` on a generated fleet: rubric scores, prune and reuse flags, HTML seen in Chromium.

One rag-service project is generated, installed and run once (eval, a slice of its tests, gate, cost
export), so its `var/` holds real artifacts. The fleet is copies of it with varied governance, eval
history, spend and template version, plus an approval-workflow project that never ran anything. The
template they point at is a small tagged git repo, one commit of which credits a project with
`Fed-back-from:`. The HTML is opened in headless Chromium and its screenshot kept in artifacts/.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from browser import launch_chromium, require_chromium
from conftest import answers_of, installed

from paved_roads.cli import main
from paved_roads.fleet.manifest import load_manifest
from paved_roads.fleet.scorecard import PRUNE_RULES, RUBRIC, build_scorecard
from paved_roads.generate import generate

pytestmark = pytest.mark.xdist_group("scorecard")
NOW = datetime.now(UTC).replace(microsecond=0)
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "artifacts"))


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rag-service project that ran its eval, a slice of its tests, its gate and its cost export."""
    project = generate(tmp_path_factory.mktemp("seed") / "claims-rag", data={"pattern": "rag-service"})
    slug = answers_of(project)["project_slug"]
    env = installed(project)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "generated")
    env.run(slug, "eval")
    env.run(
        "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=var/test-results.xml", "tests/platform/test_cli_basics.py"
    )
    env.run(slug, "gate")
    env.run(slug, "cost", "export")
    return project


def template_repo(root: Path) -> Path:
    """Four releases; the newest carries a change fed back from claims-rag."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for minor in range(1, 5):
        trailer = ["-m", "Fed-back-from: claims-rag"] if minor == 4 else []
        git(root, "commit", "-q", "--allow-empty", "-m", f"release 0.{minor}.0", *trailer)
        git(root, "tag", f"v0.{minor}.0")
    return root


def history(path: Path, values: list[float], weeks: int) -> None:
    """One eval run per week, oldest first, ending now, with answer_correctness taking `values`."""
    lines = []
    for index, value in enumerate(values):
        moment = NOW - timedelta(weeks=weeks * (len(values) - 1 - index) / max(len(values) - 1, 1))
        lines.append(json.dumps({"started_at": moment.isoformat(), "metrics": {"answer_correctness": value}}))
    path.write_text("\n".join(lines) + "\n")
    latest = path.parent / "latest.json"
    report = json.loads(latest.read_text())
    report["metrics"]["answer_correctness"] = values[-1]
    latest.write_text(json.dumps(report))


def costs(path: Path, spent: dict[str, float], projected: float, budget: float) -> None:
    document = json.loads(path.read_text())
    document["monthly_budget_usd"] = budget
    document["projection"]["features"] = {
        name: {"month_to_date_usd": usd, "projected_month_end_usd": usd * 2} for name, usd in spent.items()
    }
    document["projection"]["total"] = {"month_to_date_usd": sum(spent.values()), "projected_month_end_usd": projected}
    path.write_text(json.dumps(document))


def member(seed: Path, root: Path, name: str, source: Path, version: str, **governance) -> Path:
    project = root / name
    shutil.copytree(seed, project, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    answers.update(_src_path=str(source), _commit=version)
    (project / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    data = yaml.safe_load((project / "governance.yml").read_text())
    data.update(governance)
    (project / "governance.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    git(project, "add", "-A")
    git(project, "commit", "-qm", f"{name}: varied for the scorecard test")
    return project


@pytest.fixture(scope="module")
def fleet(seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fleet")
    template = template_repo(root / "template")
    claims = member(seed, root, "claims-rag", template, "v0.4.0", product_line="claims")
    history(claims / "var/evals/history.jsonl", [0.80, 0.82, 0.84, 0.86, 0.88, 0.90, 0.92, 0.94, 0.95], weeks=8)
    costs(claims / "var/reports/cost-export.json", {"answer": 6.0, "embed": 1.5}, projected=18.0, budget=50)
    billing = member(seed, root, "billing-rag", template, "v0.3.0", product_line="billing")
    history(billing / "var/evals/history.jsonl", [0.90, 0.90, 0.91, 0.90, 0.90], weeks=8)
    costs(billing / "var/reports/cost-export.json", {"answer": 30.0, "rerank": 9.0}, projected=58.0, budget=50)
    hr = member(
        seed,
        root,
        "hr-copilot",
        template,
        "v0.1.0",
        product_line="people",
        risk_tier="medium",
        template={"max_versions_behind": 2},
    )
    shutil.rmtree(hr / "var/evidence")
    (hr / "deploy/kubernetes/overlays/production/kustomization.yaml").unlink()
    ops = generate(
        root / "ops-approvals",
        data={"pattern": "approval-workflow", "risk_tier": "high", "owners": ["@ops-lead", "@ops-reviewer"]},
    )
    answers = yaml.safe_load((ops / ".copier-answers.yml").read_text()) | {
        "_src_path": str(template),
        "_commit": "v0.2.0",
    }
    (ops / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
    git(ops, "init", "-q", "-b", "main")
    git(ops, "add", "-A")
    git(ops, "commit", "-qm", "generated")
    manifest = root / "fleet.yml"
    repos = [
        {"name": name, "url": f"./{name}"} for name in ("claims-rag", "billing-rag", "hr-copilot", "ops-approvals")
    ]
    repos.append({"name": "gone", "url": "file:///nonexistent/gone.git"})
    manifest.write_text(yaml.safe_dump({"repos": repos}))
    return manifest


def test_scorecard_scores_flags_and_credits_each_repo(fleet: Path) -> None:
    scorecard = build_scorecard(load_manifest(fleet), fleet.parent / "work", weeks=6)
    cards = {card.name: card for card in scorecard["cards"]}
    claims, billing, hr, ops, gone = (
        cards[n] for n in ("claims-rag", "billing-rag", "hr-copilot", "ops-approvals", "gone")
    )

    assert claims.product_line == "claims" and claims.gate_verdict == "pass" and claims.fed_back
    assert claims.scores == {
        "outcomes": 3,
        "reliability & safety": 3,
        "reuse": 3,
        "cost discipline": 3,
        "learning loop": 3,
    }, claims
    assert claims.prune == [] and claims.drift == "current"

    assert billing.okr_movement is not None and billing.okr_movement <= 0.01
    assert [flag.split(":")[0] for flag in billing.prune] == ["no-eval-improvement", "burn-without-okr-movement"]
    assert billing.scores["cost discipline"] == 1 and billing.scores["reuse"] == 1  # over budget; 1 behind of 3

    assert hr.prune[0] == "no-production-path: no passing gate evidence"
    assert hr.scores["reliability & safety"] == 0 and hr.versions_behind == 3 and hr.drift == "too far behind"

    assert ops.tier == "high" and ops.scores["outcomes"] == 0 and ops.scores["cost discipline"] == 0
    assert ops.prune == ["no-production-path: no passing gate evidence"] and ops.eval_runs_in_window == 0
    assert gone.errors and gone.total == 0

    assert set(claims.scores) == set(RUBRIC) and len(PRUNE_RULES) == 3


def test_scorecard_writes_html_markdown_csv_and_chromium_renders_it(fleet: Path, tmp_path: Path) -> None:
    out = tmp_path / "scorecard"
    command = ["fleet", "scorecard", "--manifest", str(fleet), "--out", str(out), "--workdir", str(tmp_path / "w")]
    assert main(command) == 0
    rows = list(csv.DictReader((out / "scorecard.csv").open()))
    assert [row["repo"] for row in rows] == ["claims-rag", "billing-rag", "hr-copilot", "ops-approvals", "gone"]
    assert all(column in rows[0] for column in RUBRIC) and rows[0]["total"] == "15"
    markdown = (out / "scorecard.md").read_text()
    assert "## Prune candidates" in markdown and "**billing-rag**: no-eval-improvement" in markdown
    assert "**claims-rag**: " in markdown.split("## Reuse")[1] and "release 0.4.0" in markdown
    page = (out / "scorecard.html").read_text()
    assert "<script" not in page and "https://" not in page and page.count("<svg") == 3 + 5

    executable = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, executable)
        try:
            page_view = browser.new_page(viewport={"width": 1400, "height": 900})
            page_view.goto((out / "scorecard.html").as_uri())
            assert page_view.locator("h1").inner_text() == "Portfolio scorecard"
            assert page_view.locator("table").first.locator("tr").count() == 6
            for label in ("cost against budget per feature", "template drift across the fleet", "tier mix"):
                box = page_view.locator(f'svg[aria-label="{label}"]').bounding_box()
                assert box and box["width"] > 100 and box["height"] > 20, label
            assert page_view.locator('svg[aria-label="claims-rag eval trend"] polyline').count() == 1
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page_view.screenshot(path=ARTIFACTS / "fleet-scorecard.png", full_page=True)
        finally:
            browser.close()
