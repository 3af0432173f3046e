"""Academy mode: every lab checker fails on the untouched start, catches the shortcut, passes on the reference.

One rag-service project is generated with `academy: true`, installed and committed (the learner's first
commit). Every `<slug> lab check N` must fail on it as generated. Then the reference solutions in
`academy_reference.py` are applied week by week, as a learner would, each checker must pass, and the
shortcuts a learner might take (a case that was never red, a test that passes without the new rule, a
budget test that passes when calls are free, the medium gate without a rollback plan) must fail naming
why. `paved-roads academy progress` then reads a cohort made from that project.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import academy_reference as ref
import pytest
import yaml
from conftest import answers_of, installed

from paved_roads.academy import cohort_progress, load_cohort
from paved_roads.cli import main
from paved_roads.generate import generate
from paved_roads.project_env import ProjectEnv

pytestmark = pytest.mark.xdist_group("academy")
WEEKS = range(7)


class Learner:
    def __init__(self, project: Path, env: ProjectEnv, slug: str) -> None:
        self.project, self.env, self.slug = project, env, slug

    def check(self, week: int) -> tuple[int, str, dict]:
        done = self.env.run(self.slug, "lab", "check", str(week), check=False)
        result = json.loads((self.project / f"labs/results/week-{week}.json").read_text())
        return done.returncode, done.stdout + done.stderr, result

    def passes(self, week: int) -> None:
        code, output, result = self.check(week)
        assert code == 0 and result["passed"], output

    def fails(self, week: int, named: str) -> str:
        code, output, result = self.check(week)
        assert code == 1 and not result["passed"], output
        assert named in result["problem"], result["problem"]
        return result["problem"]


@pytest.fixture(scope="module")
def learner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Learner]:
    project = generate(tmp_path_factory.mktemp("academy") / "learner", data={"pattern": "rag-service", "academy": True})
    env = installed(project)
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    ref.commit(project, "generated")
    yield Learner(project, env, answers_of(project)["project_slug"])


def test_academy_files_come_only_with_academy_on(render) -> None:
    plain = render(pattern="approval-workflow")
    assert not (plain / "labs").exists() and not (plain / "ACADEMY.md").exists()
    assert not list((plain / "src").glob("*/platform/academy"))


def test_every_checker_fails_on_the_untouched_start(learner: Learner) -> None:
    expected = {
        0: "TODO",
        1: "no eval case is tagged lab-1",
        2: "no new blocking rule",
        3: "test_budget_limit.py fails",
        4: "no new prompt version",
        5: "risk_tier: low",
        6: "TODO",
    }
    for week in WEEKS:
        learner.fails(week, expected[week])
    listing = learner.env.run(learner.slug, "lab", "list").stdout
    assert listing.count("not passed yet") == 7 and "Evaluation & Safety" in listing


@pytest.mark.slow  # every week's real checks: evals, shadow tests, gates (several minutes on 2 loaded cores)
def test_the_reference_solutions_pass_and_the_shortcuts_do_not(learner: Learner) -> None:
    project, env, slug = learner.project, learner.env, learner.slug

    ref.solve_week_0(project, env, slug)
    learner.passes(0)

    # week 1: a case that passes from the start proves nothing
    never_red = dict(ref.PARKING_CASE, id="lab-1-never-red", tags=["lab-1"])
    never_red["input"] = {"question": "What is the daily meal allowance on business trips?", "clearance": "internal"}
    never_red["expected"] = {"answer_contains": ["60 EUR"]}
    golden = (project / ref.GOLDEN).read_text()
    ref.add_cases(project, [never_red])
    learner.fails(1, "no check saw it fail first")
    (project / ref.GOLDEN).write_text(golden)
    ref.solve_week_1_red(project, env, slug)
    learner.fails(1, "fail, as they should at first")
    ref.solve_week_1_green(project, env, slug)
    learner.passes(1)

    # week 2: a test about a phrase the first commit already blocked proves nothing about the new rule
    ref.solve_week_2(project, env, slug)
    test = project / "labs/week-2/test_policy_blocks.py"
    real = test.read_text()
    test.write_text(real.replace("Zenith Maritime", "Acme Shell Holdings"))
    learner.fails(2, "also passes with the first commit's policies")
    test.write_text(real)
    learner.passes(2)

    # week 3: a test that is refused by a guard, not by the budget, passes when calls are free too
    ref.solve_week_3(project, env, slug)
    test = project / "labs/week-3/test_budget_limit.py"
    real = test.read_text()
    shortcut = real.replace('user=f"Question number {call}?"', 'user=f"Acme Shell Holdings question {call}?"')
    test.write_text(shortcut.replace('assert refusal.value.control == "budget"', "assert refusal.value.control"))
    learner.fails(3, "also passes when every model is free")
    test.write_text(real)
    learner.passes(3)

    ref.solve_week_4(project, env, slug)
    learner.passes(4)

    # week 5: the medium gate names the missing rollback plan
    ref.solve_week_5(project, env, slug)
    plan = project / "docs/rollback-plan.md"
    filled = plan.read_text()
    subprocess.run(["git", "checkout", "-q", "--", "docs/rollback-plan.md"], cwd=project, check=True)
    learner.fails(5, "medium.rollback_plan")
    plan.write_text(filled)
    learner.passes(5)

    ref.solve_week_6(project, env, slug)
    learner.passes(6)
    listing = env.run(slug, "lab", "list").stdout
    assert listing.count(" passed ") == 7, listing


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__"))
    return target


@pytest.mark.slow  # reads the learner the reference run above solved
def test_academy_progress_reads_a_cohort(learner: Learner, tmp_path: Path) -> None:
    solved = learner.project
    if not (solved / "labs/results/week-6.json").is_file():
        pytest.skip("needs the reference run above")
    _copy(solved, tmp_path / "ada")
    ben = _copy(solved, tmp_path / "ben")
    for week in (4, 5, 6):
        (ben / f"labs/results/week-{week}.json").unlink()
    cy = _copy(solved, tmp_path / "cy")
    charter = cy / "labs/week-0/charter.yml"
    charter.write_text(charter.read_text().replace("workplace-services", "facilities"))  # after the check
    dee = _copy(solved, tmp_path / "dee")
    failed = json.loads((dee / "labs/results/week-2.json").read_text()) | {"passed": False, "problem": "no rule"}
    (dee / "labs/results/week-2.json").write_text(json.dumps(failed))
    eve = _copy(solved, tmp_path / "eve-work")  # read through git, as a remote repo would be
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=eve, check=True)
    ref.commit(eve, "labs done")
    manifest = tmp_path / "cohort.yml"
    learners = [{"name": name, "repo": f"./{name}"} for name in ("ada", "ben", "cy", "dee")]
    learners.append({"name": "eve", "repo": f"file://{eve}", "branch": "main"})
    manifest.write_text(yaml.safe_dump({"cohort": "q4", "learners": learners}))

    cohort, weeks, rows = cohort_progress(manifest, tmp_path / "work")
    states = {row.learner.name: [lab.state for lab in row.labs] for row in rows}
    assert states["ada"] == ["passed"] * 7 and states["eve"] == ["passed"] * 7
    assert states["ben"] == ["passed"] * 4 + ["not checked"] * 3
    assert states["cy"][0] == "stale" and states["cy"][1:] == ["passed"] * 6
    assert states["dee"][2] == "failed"
    levels = {row.learner.name: row.level for row in rows}
    assert levels == {"ada": "Senior", "ben": "Associate", "cy": "-", "dee": "-", "eve": "Senior"}

    out = tmp_path / "report"
    assert (
        main(["academy", "progress", "--manifest", str(manifest), "--out", str(out), "--workdir", str(tmp_path / "w")])
        == 0
    )
    text = (out / "cohort-progress.md").read_text()
    assert "| ben | ✅ | ✅ | ✅ | ✅ | · | · | · | 4/7 | Associate |" in text
    assert "cy, week 0: files changed since the check" in text and "dee, week 2: no rule" in text
    page = (out / "cohort-progress.html").read_text()
    assert "<script" not in page and "http" not in page.replace("http-equiv", "") and page.count("<tr>") == 6


@pytest.mark.parametrize(
    ("manifest", "named"),
    [
        ({"learners": []}, "learners: a non-empty list"),
        ({"learners": [{"name": "a"}]}, "learners[0].repo"),
        ({"learners": [{"repo": "x", "team": "y"}]}, "learners[0].team: unknown setting"),
        ({"learners": [{"repo": "x"}, {"repo": "x"}]}, "appears twice"),
        ({"weeks": 9, "learners": [{"repo": "x"}]}, "weeks: a whole number"),
    ],
)
def test_a_bad_cohort_manifest_names_its_field(tmp_path: Path, manifest, named, capsys) -> None:
    path = tmp_path / "cohort.yml"
    path.write_text(yaml.safe_dump(manifest))
    with pytest.raises(ValueError, match="cohort.yml") as error:
        load_cohort(path)
    assert named in str(error.value) and "\n" not in str(error.value)
    assert main(["academy", "progress", "--manifest", str(path), "--out", str(tmp_path / "o")]) == 1
    assert named in capsys.readouterr().err
