"""Fleet plumbing on a small synthetic fleet: manifest errors, shards, resume after a kill, push, merged reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from controls.projects import git
from fleet.synthetic import build_template, clone_project, generate_project

from paved_roads.cli import main
from paved_roads.fleet.manifest import ManifestError, Repo, load_manifest, parse_shard, shard

pytestmark = pytest.mark.xdist_group("fleet-synthetic")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("manifest", "named"),
    [
        ({"repos": []}, "repos:"),
        ({"repos": [{"name": "a"}]}, "repos[0].url"),
        ({"repos": [{"url": "x", "chek": "make"}]}, "repos[0].chek: unknown setting"),
        ({"repos": [{"url": "x"}, {"url": "y", "name": "x"}]}, "repos[1].name: 'x' appears twice"),
        ({"defaults": {"check": 3}, "repos": [{"url": "x"}]}, "defaults.check"),
        ({"repos": [{"url": "x", "name": "bad name"}]}, "repos[0].name"),
    ],
)
def test_a_bad_manifest_names_the_field(tmp_path: Path, manifest: dict, named: str) -> None:
    path = tmp_path / "fleet.yml"
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ManifestError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_manifest(path)


def test_shards_cover_every_repo_exactly_once() -> None:
    repos = [Repo(f"repo-{i:02d}", f"/r/{i}", "main", ()) for i in range(23)]
    for count in (1, 2, 4, 7):
        seen = [r.name for index in range(1, count + 1) for r in shard(repos, index, count)]
        assert sorted(seen) == sorted(r.name for r in repos)
    assert parse_shard("2/4") == (2, 4)
    for bad in ("0/4", "5/4", "2", "a/b"):
        with pytest.raises(ManifestError, match="--shard"):
            parse_shard(bad)


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("small-fleet")
    template = build_template(root / "template")
    base = generate_project(template, root / "base")
    core = template / "templates/platform/src/{{ package }}/core.py"
    core.write_text(core.read_text() + "# 1.1.0\n")
    git(template, "commit", "-q", "-am", "1.1.0")
    git(template, "tag", "1.1.0")
    return {"root": root, "base": base}


def _fleet(small_fleet: dict, folder: Path, count: int, check: str = "true") -> Path:
    repos = [clone_project(small_fleet["base"], folder / f"repo-{i}") for i in range(count)]
    manifest = folder / "fleet.yml"
    entries = [{"name": p.name, "url": str(p)} for p in repos]
    manifest.write_text(yaml.safe_dump({"defaults": {"check": [check]}, "repos": entries}))
    return manifest


def test_an_interrupted_run_resumes_without_redoing_finished_repos(small_fleet: dict, tmp_path: Path) -> None:
    manifest = _fleet(small_fleet, tmp_path, 6, check="sleep 1")
    workdir = tmp_path / "work"
    command = [sys.executable, "-m", "paved_roads", "fleet", "update", "--manifest", str(manifest)]
    command += ["--jobs", "1", "--workdir", str(workdir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    states = workdir / "state"
    deadline = time.monotonic() + 120
    while len(list(states.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)  # as hard as an interruption gets
    process.wait()
    finished = {p.name: p.stat().st_mtime_ns for p in states.glob("*.json")}
    assert 2 <= len(finished) < 6, finished
    assert main(["fleet", "update", "--manifest", str(manifest), "--jobs", "2", "--workdir", str(workdir)]) == 0
    report = json.loads((workdir / "report" / "fleet-report.json").read_text())
    assert report["counts"]["updated"] == 6
    resumed = {r["name"] for r in report["repos"] if r["resumed"]}
    assert resumed == {name.removesuffix(".json") for name in finished}
    assert {p.name: p.stat().st_mtime_ns for p in states.glob("*.json") if p.name in finished} == finished


def test_push_only_when_asked_and_shard_reports_merge(small_fleet: dict, tmp_path: Path) -> None:
    manifest = _fleet(small_fleet, tmp_path, 3)
    reports = []
    for index in (1, 2):
        folder = tmp_path / f"report-{index}"
        args = ["fleet", "update", "--manifest", str(manifest), "--jobs", "1", "--workdir", str(tmp_path / "w")]
        assert main([*args, "--shard", f"{index}/2", "--push", "--report", str(folder)]) == 0
        reports.append(folder / "fleet-report.json")
    for name in ("repo-0", "repo-1", "repo-2"):
        branches = git(tmp_path / name, "branch", "--list", "paved-roads/*")
        assert "paved-roads/template-1.1.0" in branches, f"{name}: --push pushes the update branch"
    assert main(["fleet", "report", *map(str, reports), "--out", str(tmp_path / "merged")]) == 0
    merged = json.loads((tmp_path / "merged" / "fleet-report.json").read_text())
    assert [r["name"] for r in merged["repos"]] == ["repo-0", "repo-1", "repo-2"]
    assert merged["counts"]["updated"] == 3


@pytest.mark.parametrize("workflow", sorted(p.name for p in (ROOT / ".github" / "workflows").glob("*.yml")))
def test_this_repos_workflows_pass_actionlint_and_zizmor(workflow: str) -> None:
    path = ROOT / ".github" / "workflows" / workflow
    bin_dir = Path(sys.executable).parent
    lint = subprocess.run([str(bin_dir / "actionlint"), str(path)], capture_output=True, text=True, cwd=ROOT)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    audit = subprocess.run(
        [str(bin_dir / "zizmor"), "--offline", "--min-severity", "high", "--format", "plain", str(path)],
        capture_output=True,
        text=True,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
