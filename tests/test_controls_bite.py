"""Controls that bite: every gate control fails on the defect it exists to stop, and names itself.

For each control, a generated project at the tier that needs it gets exactly one defect injected
(worse answers, removed rollback plan, one reviewer, a committed fake cloud key, budget exhausted,
guard disabled, tampered audit log, template behind, expired waiver, deprecated prompt, ...); its
`gate` must exit non-zero with a FAIL line naming that control. The same project without the defect
passes its gate (`test_clean_project_passes_its_gate`, for every pattern folder at every tier). Each
tier's defects run on the pattern whose `template_tests.yml` says `controls: hosts: [<tier>]`, with
whatever pattern-specific knowledge a defect needs read from there. A control with no defect here is not done:
`test_every_control_has_a_defect` checks the catalogue the policies declare against this table.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import PATTERNS, TIERS
from controls.projects import (
    AUTHOR,
    OUTSIDER,
    OWNERS,
    TEST_SUBSET,
    Project,
    build_clean_project,
    git,
    output,
    snapshot_template,
    ssh_sign,
)
from patterns import defect_host, pattern_tests

FAKE_CLOUD_KEY = "AKIA" + "Z3MBPT4EXQ7LW2NB"  # assembled at run time: this file holds no key


@pytest.fixture(scope="session")
def template_repo(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot_template(template_root, tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def clean(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Project]:
    """The clean project of a tier (of the pattern hosting its defects, or the one named), built once on first use.

    Projects of one pattern share the first one's virtualenv: only the first is installed.
    """
    built: dict[tuple[str, str], Project] = {}

    def get(tier: str, pattern: str | None = None) -> Project:
        pattern = pattern or defect_host(tier)
        if (pattern, tier) not in built:
            python = next((p.python for (other, _), p in built.items() if other == pattern), None)
            folder = tmp_path_factory.mktemp(f"clean-{pattern}-{tier}")
            built[(pattern, tier)] = build_clean_project(template_repo, folder, tier, pattern=pattern, python=python)
        return built[(pattern, tier)]

    return get


def failing_controls(done) -> set[str]:
    return set(re.findall(r"^\s+FAIL\s+(\S+)", done.stdout, flags=re.MULTILINE))


# -- defect injections: each breaks one thing the way it breaks in real life ---------------------


def failing_test(project: Project) -> None:
    (project.path / "tests" / "test_regression.py").write_text("def test_refund_total():\n    assert 1 + 1 == 3\n")
    project.pytest(*TEST_SUBSET, "tests/test_regression.py")


def guard_disabled(project: Project) -> None:
    governance = project.governance()
    governance["guards"]["input"] = [g for g in governance["guards"]["input"] if g != "prompt_injection"]
    project.write_governance(governance)


def links_guard_removed(project: Project) -> None:
    """The output guard that strips links to unknown hosts (the Markdown-image beacon) is taken out."""
    governance = project.governance()
    governance["guards"]["output"] = [g for g in governance["guards"]["output"] if g != "links"]
    project.write_governance(governance)


def committed_cloud_key(project: Project) -> None:
    (project.path / "src" / project.package / "deploy_settings.py").write_text(
        f'"""Deployment settings."""\n\nAWS_ACCESS_KEY_ID = "{FAKE_CLOUD_KEY}"\n'
    )
    project.commit("add deployment settings")


def budget_removed(project: Project) -> None:
    governance = project.governance()
    del governance["budget"]
    project.write_governance(governance)


def budget_exhausted(project: Project) -> None:
    """Book a month's budget of spend in the project's own cost ledger."""
    project.python_code(
        f"from datetime import UTC, datetime\n"
        f"from {project.package}.platform.runtime import Runtime\n"
        f"from {project.package}.platform.budget.pricing import to_nano\n"
        "runtime = Runtime.from_settings()\n"
        "limit = to_nano(runtime.governance.budget.monthly_usd)\n"
        "runtime.budget.ledger.settle(reservation_id='runaway-batch-job', feature='batch', model='local-premium',\n"
        "    input_tokens=1, output_tokens=1, cost_nano=limit, reserved_nano=limit, at=datetime.now(UTC))\n"
    )


def audit_tampered(project: Project) -> None:
    """Someone with file access drops the append-only trigger and edits a recorded decision."""
    with project.audit_db() as db:
        db.execute("DROP TRIGGER audit_records_no_update")
        seq = db.execute("SELECT min(seq) FROM audit_records").fetchone()[0]
        db.execute("UPDATE audit_records SET decision = 'approved-by-admin' WHERE seq = ?", (seq,))


def _rechain(db) -> None:
    """Recompute every hash and the stored head: what anyone can do to an unkeyed (low-tier) chain."""
    names = [column[0] for column in db.execute("SELECT * FROM audit_records").description]
    prev, seq = "0" * 64, 0
    for row in db.execute("SELECT * FROM audit_records ORDER BY seq").fetchall():
        record = dict(zip(names, row, strict=True)) | {"prev_hash": prev}
        del record["hash"]
        record["details"] = json.loads(record["details"])
        prev = hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        seq = record["seq"]
        db.execute("UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?", (record["prev_hash"], prev, seq))
    db.execute("UPDATE audit_meta SET value = ? WHERE key = 'head'", (f"{seq}:{prev}",))


def audit_tail_cut(project: Project) -> None:
    """The last decisions are cut off and the chain and its stored head rewritten to match."""
    with project.audit_db() as db:
        db.execute("DROP TRIGGER audit_records_no_update")
        db.execute("DROP TRIGGER audit_records_no_delete")
        db.execute("DELETE FROM audit_records WHERE seq > (SELECT max(seq) / 2 FROM audit_records)")
        _rechain(db)


def audit_emptied(project: Project) -> None:
    with project.audit_db() as db:
        db.execute("DROP TRIGGER audit_records_no_delete")
        db.execute("DELETE FROM audit_records")
        db.execute("UPDATE audit_meta SET value = ? WHERE key = 'head'", ("0:" + "0" * 64,))


def audit_deleted(project: Project) -> None:
    for path in (project.path / "var").glob("audit.sqlite3*"):
        path.unlink()


def governance_broken(project: Project) -> None:
    text = (project.path / "governance.yml").read_text()
    (project.path / "governance.yml").write_text(re.sub(r"^risk_tier: \w+", "risk_tier: minimal", text, flags=re.M))


def expired_waiver(project: Project) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    (project.path / "policies" / "waivers.yml").write_text(
        "waivers:\n  - control: template.current\n    reason: update planned for last sprint\n"
        f'    approver: "{OWNERS["low"][0]}"\n    expires: {yesterday}\n'
    )


def deprecated_prompt(project: Project) -> None:
    """The prompt versions in use were retired yesterday."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    for folder in (project.path / "prompts").iterdir():
        served = max(folder.glob("*.md"), key=lambda path: tuple(int(part) for part in path.stem.split(".")))
        text = re.sub(r"^deprecated_after:.*\n", "", served.read_text(), flags=re.M)
        served.write_text(text.replace("---\n", f"---\ndeprecated_after: {yesterday}\n", 1))


def _release_template_versions(project: Project, count: int) -> None:
    """The platform team tags `count` releases after the one this project was made from; no update here."""
    answers_path = project.path / ".copier-answers.yml"
    source = Path(re.search(r"^_src_path: (.+)$", answers_path.read_text(), flags=re.M).group(1).strip())
    newer = project.path.parent / f"{project.path.name}-template"
    git(project.path.parent, "clone", "-q", str(source), str(newer))
    for minor in range(1, count + 1):
        git(newer, "tag", f"v1.{minor}.0")
    answers_path.write_text(answers_path.read_text().replace(str(source), str(newer)))


def _options(project: Project) -> dict:
    """What the medium-tier defects need to know about the project's pattern (its template_tests.yml)."""
    answers = yaml.safe_load((project.path / ".copier-answers.yml").read_text())
    return pattern_tests(answers["pattern"]).controls.options


def _corpus(project: Project) -> Path:
    return project.path / _options(project)["corpus"]


def template_behind(project: Project) -> None:
    """The platform team released more template versions than the project's tier lets it fall behind."""
    _release_template_versions(project, project.governance()["template"]["max_versions_behind"] + 1)


def _document_uses(project: Project) -> list[tuple[str, int]]:
    """Corpus documents with how many golden cases rely on them, most relied-on first."""
    uses: Counter[str] = Counter()
    for dataset in (project.path / "evals" / "datasets").glob("*.jsonl"):
        for line in dataset.read_text().splitlines():
            uses.update(json.loads(line).get("expected", {}).get("relevant_ids", []))
    in_corpus = {path.stem for path in _corpus(project).iterdir()}
    return [(name, count) for name, count in uses.most_common() if name in in_corpus]


def _gut(project: Project, document: str) -> None:
    (path,) = [p for p in _corpus(project).iterdir() if p.stem == document]
    path.write_text("# Notice\n\nThis page was replaced by a link to the intranet.\n")


def much_worse_answers(project: Project) -> None:
    """The documents most answers depend on lose their content; CI reruns the evals."""
    for document, _ in _document_uses(project)[:2]:
        _gut(project, document)
    project.run("eval")


def slightly_worse_answers(project: Project) -> None:
    """A document one answer depends on loses its content: above the floor, below the baseline."""
    _gut(project, next(name for name, count in reversed(_document_uses(project)) if count == 1))
    project.run("eval")


def worse_candidate(project: Project) -> None:
    """Shadow a candidate setting that makes answers worse (rag-service: every document dropped as stale)."""
    candidate = project.path / "evals" / "candidates" / "worse.yml"
    candidate.parent.mkdir(parents=True, exist_ok=True)
    candidate.write_text(yaml.safe_dump({"name": "worse", "env": _options(project)["worse_candidate_env"]}))
    project.run("shadow", "--candidate", str(candidate))


def rollback_plan_removed(project: Project) -> None:
    (project.path / "docs" / "rollback-plan.md").unlink()
    project.commit("remove rollback plan")


def one_reviewer(project: Project) -> None:
    first = project.reviews()[0]
    first.unlink()
    first.with_name(first.name + ".sig").unlink()
    project.commit("drop a review")


def _signature(record: Path) -> Path:
    return record.with_name(record.name + ".sig")


def unsigned_reviews_by_the_author(project: Project) -> None:
    """What `review --reviewer` let anyone do: the author writes both owners' approvals, unsigned."""
    for record in project.reviews():
        _signature(record).unlink()
    project.commit("record owner reviews")


def author_signs_as_an_owner(project: Project) -> None:
    """The author re-signs an owner's (current, well-formed) approval with the author's own key."""
    record = project.reviews()[-1]
    _signature(record).write_bytes(ssh_sign(record.read_bytes(), project.keys[AUTHOR]))
    project.commit("re-sign a review")


def review_of_an_older_commit(project: Project) -> None:
    """Both owners approved; the author pushes one more commit afterwards."""
    readme = project.path / "README.md"
    readme.write_text(readme.read_text() + "\nOne more paragraph after the reviews.\n")
    project.commit("docs: one more paragraph")


def non_owner_review(project: Project) -> None:
    """An outsider's genuinely signed approval replaces an owner's."""
    first, second = project.reviews()
    text = second.read_text().replace(OWNERS["high"][1], OUTSIDER)
    forged = second.with_name(f"outsider-{second.name}")
    forged.write_text(text)
    _signature(forged).write_bytes(ssh_sign(text.encode(), project.keys[OUTSIDER]))
    second.unlink()
    _signature(second).unlink()
    project.commit("outsider review")


def same_owner_twice(project: Project) -> None:
    """One owner signs two approvals; the other owner's is gone."""
    lead = next(r for r in project.reviews() if OWNERS["high"][0].strip("@").replace("/", "-") in r.name)
    for record in project.reviews():
        if record != lead:
            record.unlink()
            _signature(record).unlink()
    text = lead.read_text() + "# second look\n"
    again = lead.with_name(f"again-{lead.name}")
    again.write_text(text)
    _signature(again).write_bytes(ssh_sign(text.encode(), project.keys[OWNERS["high"][0]]))
    project.commit("a second approval by the same owner")


def hitl_off(project: Project) -> None:
    governance = project.governance()
    governance["human_in_the_loop"] = False
    project.write_governance(governance)


def hmac_off(project: Project) -> None:
    governance = project.governance()
    governance["audit"]["hmac"] = False
    project.write_governance(governance)


def incomplete_decision_record(project: Project) -> None:
    """A model call audited without the prompt version that produced it."""
    project.python_code(
        f"from {project.package}.platform.runtime import Runtime\n"
        "runtime = Runtime.from_settings()\n"
        "runtime.audit.append(actor='batch', action='answer.complete', decision='answered', model='local-extractive',\n"
        "    input_hash=runtime.audit.hash_text('q'), output_hash=runtime.audit.hash_text('a'))\n"
        "runtime.close()\n"
    )


def split_limit_removed(project: Project) -> None:
    """Refunds on one order no longer add up (the approval rules lose their cumulative limit); CI reruns the evals."""
    rules = project.path / "rules" / "action_risk.yml"
    text = rules.read_text()
    weakened = "\n".join(line for line in text.splitlines() if not line.strip().startswith("cumulative:"))
    assert weakened != text
    rules.write_text(weakened + "\n")
    project.run("eval")


@dataclass(frozen=True)
class Defect:
    control: str
    tier: str
    inject: Callable[[Project], None]
    reason: str = ""  # words the FAIL line must show, when the control has several ways to fail

    @property
    def id(self) -> str:
        return f"{self.control}-{self.inject.__name__}"


DEFECTS = [
    Defect("low.tests_pass", "low", failing_test),
    Defect("low.guards_on", "low", guard_disabled),
    Defect("low.guards_on", "low", links_guard_removed, "output guard(s) links switched off"),
    Defect("low.secrets_clean", "low", committed_cloud_key),
    Defect("low.budget_set", "low", budget_removed),
    Defect("low.budget_headroom", "low", budget_exhausted),
    Defect("low.audit_on", "low", audit_tampered),
    Defect("low.audit_on", "low", audit_tail_cut, "truncated or rolled back"),
    Defect("low.audit_on", "low", audit_emptied, "log ends at record 0, before checkpoint"),
    Defect("low.audit_on", "low", audit_deleted, "is missing or empty, but checkpoint"),
    Defect("governance.valid", "low", governance_broken),
    Defect("waivers.valid", "low", expired_waiver),
    Defect("assets.not_deprecated", "low", deprecated_prompt),
    Defect("template.current", "low", template_behind, "4 release(s) behind v1.4.0"),
    Defect("medium.eval_thresholds", "medium", much_worse_answers),
    Defect("medium.no_regression", "medium", slightly_worse_answers),
    Defect("medium.shadow_test", "medium", worse_candidate),
    Defect("medium.rollback_plan", "medium", rollback_plan_removed),
    Defect("high.independent_review", "high", one_reviewer, "1 of 2 independent owner approvals"),
    Defect("high.independent_review", "high", unsigned_reviews_by_the_author, "signature: not signed"),
    Defect("high.independent_review", "high", author_signs_as_an_owner, "signed with a key"),
    Defect("high.independent_review", "high", review_of_an_older_commit, "README.md changed since"),
    Defect("high.independent_review", "high", non_owner_review, f"{OUTSIDER} is not an owner"),
    Defect("high.independent_review", "high", same_owner_twice, "1 of 2 independent owner approvals"),
    Defect("medium.eval_thresholds", "high", split_limit_removed, "split_caught = "),
    Defect("high.human_in_the_loop", "high", hitl_off),
    Defect("high.audit_hmac", "high", hmac_off),
    Defect("high.decision_records", "high", incomplete_decision_record),
]


def by_tier(values: list, tier_of: Callable) -> list:
    """One xdist group per pattern, so `pytest -n 2 --dist loadgroup` installs each pattern and builds each
    clean project once; a tier's defects run with the pattern that hosts them."""
    return [
        pytest.param(value, marks=pytest.mark.xdist_group(f"controls-{defect_host(tier_of(value))}"))
        for value in values
    ]


def every_pattern_and_tier() -> list:
    """Every pattern folder at every tier; the defect hosts' own tiers run in the fast suite, the rest are slow."""
    return [
        pytest.param(
            pattern,
            tier,
            id=f"{pattern}-{tier}",
            marks=[pytest.mark.xdist_group(f"controls-{pattern}")]
            + ([] if defect_host(tier) == pattern else [pytest.mark.slow]),
        )
        for pattern in PATTERNS
        for tier in TIERS
    ]


@pytest.mark.parametrize(("pattern", "tier"), every_pattern_and_tier())
def test_clean_project_passes_its_gate(clean, pattern: str, tier: str) -> None:
    """Without any defect the gate passes, for every pattern at every tier: evals, baseline, shadow test and
    reviews of a pattern as generated satisfy its tier, and every control below is a defect away from failing."""
    done = clean(tier, pattern).gate()
    assert done.returncode == 0, output(done)
    assert f"gate: pass at {tier} tier" in done.stdout


@pytest.mark.parametrize("defect", by_tier(DEFECTS, lambda defect: defect.tier), ids=[d.id for d in DEFECTS])
def test_gate_fails_naming_the_control(clean, tmp_path: Path, defect: Defect) -> None:
    project = clean(defect.tier).copy(tmp_path / "project")
    defect.inject(project)
    done = project.gate()
    assert done.returncode != 0, f"{defect.id}: the gate passed\n{output(done)}"
    assert defect.control in failing_controls(done), f"{defect.id}: {defect.control} did not fail\n{output(done)}"
    assert defect.control in done.stderr.splitlines()[-1], "the closing error line must name the control"
    assert defect.reason in done.stdout, f"{defect.id}: the FAIL line does not say {defect.reason!r}\n{output(done)}"


@pytest.mark.xdist_group(f"controls-{defect_host('low')}")
def test_a_valid_waiver_lets_a_failing_control_pass_and_shows_in_the_evidence(clean, tmp_path: Path) -> None:
    project = clean("low").copy(tmp_path / "project")
    committed_cloud_key(project)
    project.pytest(*TEST_SUBSET)  # CI reruns the tests after the change
    in_ten_days = (date.today() + timedelta(days=10)).isoformat()
    (project.path / "policies" / "waivers.yml").write_text(
        "waivers:\n  - control: low.secrets_clean\n    reason: key revoked in IAM, history rewrite scheduled\n"
        f'    approver: "{OWNERS["low"][0]}"\n    expires: {in_ten_days}\n'
    )
    done = project.gate()
    assert done.returncode == 0, output(done)
    assert re.search(r"waived\s+low\.secrets_clean", done.stdout)
    evidence = json.loads((project.path / "var" / "evidence" / "evidence.json").read_text())
    assert evidence["waivers"][0]["control"] == "low.secrets_clean"
    assert "waived by" in (project.path / "var" / "evidence" / "evidence.md").read_text()


@pytest.mark.xdist_group(f"controls-{defect_host('low')}")
def test_a_project_within_its_template_allowance_passes_with_a_warning(clean, tmp_path: Path) -> None:
    """As many releases behind as governance.yml allows: the gate warns in one line and passes (as the drift job)."""
    project = clean("low").copy(tmp_path / "project")
    allowed = project.governance()["template"]["max_versions_behind"]
    _release_template_versions(project, allowed)
    done = project.gate()
    assert done.returncode == 0, output(done)
    warnings = re.findall(r"^\s+warn\s+template\.current\s+(.*)$", done.stdout, flags=re.MULTILINE)
    assert len(warnings) == 1, output(done)
    assert f"{allowed} release(s) behind v1.{allowed}.0" in warnings[0]
    assert f"low tier allows {allowed}" in warnings[0]


@pytest.mark.xdist_group(f"controls-{defect_host('high')}")
def test_every_control_has_a_defect(clean) -> None:
    """The policies' own catalogue, read from a gate run, is exactly the set of controls tested above."""
    project = clean("high")
    project.gate()
    evidence = json.loads((project.path / "var" / "evidence" / "evidence.json").read_text())
    assert {control["id"] for control in evidence["controls"]} == {defect.control for defect in DEFECTS}
