"""Randomized update scenarios: local edits x template changes -> nothing lost, everything reported.

Hypothesis draws up to three local operations (edit, add, delete, rename) on a generated project and
up to three template operations (edit, add, delete, rename) on platform and pattern files, then
`paved-roads update` runs the real `copier update`. After every scenario: each local edit is still
in the project, each template change arrived or is reported as skipped, every file with conflict
markers or a `.rej` file is reported, and the outcome matches. Plain `copier update` fails these
checks (see test_update_cases.py); 210 synthetic scenarios plus a few on the real rag-service
pattern run in CI. The template and one generated project per pattern are shared by all
scenarios on a worker; each scenario copies the project and tags its own template commit.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from fleet.scenarios import (
    LOCAL_ADDS,
    TEMPLATE_ADDS,
    Expectations,
    apply_local_ops,
    apply_template_ops,
    check_update,
    project_files,
    template_sources,
)
from fleet.synthetic import build_template, clone_project, generate_project
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from paved_roads.update import update_project

KINDS = ("edit", "add", "delete", "rename")
SCENARIOS = {"alpha": 110, "beta": 100}  # >= 200 in all


def _ops(paths: list[str], adds: tuple[str, ...]) -> st.SearchStrategy[list[tuple]]:
    one = st.tuples(st.sampled_from(KINDS), st.sampled_from(paths), st.integers(0, 12), st.booleans()).map(
        lambda op: (op[0], adds[sum(map(ord, op[1])) % len(adds)] if op[0] == "add" else op[1], op[2], op[3])
    )
    return st.lists(one, min_size=1, max_size=3, unique_by=lambda op: op[1])


class Bench:
    """The shared template, one pristine project per pattern, and a scenario counter."""

    def __init__(self, root: Path):
        self.root = root
        self.template = build_template(root / "template")
        self.projects = {p: generate_project(self.template, root / f"base-{p}", pattern=p) for p in SCENARIOS}
        self.counter = itertools.count(1)
        self.ran = 0

    def scenario(self, pattern: str, template_ops: list[tuple], local_ops: list[tuple]) -> list[str]:
        n = next(self.counter)
        tag = f"2.0.{n}"
        expect = Expectations()
        project = clone_project(self.projects[pattern], self.root / f"s{n}")
        apply_local_ops(project, local_ops, expect)
        apply_template_ops(self.template, [(k, s, i, r) for k, s, i, r in template_ops], tag, expect)
        result = update_project(project, to=tag)
        self.ran += 1
        problems = check_update(project, result, expect)
        return [f"{p} (template ops {template_ops}, local ops {local_ops})" for p in problems]


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> Bench:
    return Bench(tmp_path_factory.mktemp("scenarios"))


@pytest.mark.parametrize("pattern", sorted(SCENARIOS))
def test_random_updates_lose_nothing_and_report_everything(bench: Bench, pattern: str) -> None:
    before = bench.ran

    @settings(
        max_examples=SCENARIOS[pattern],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each example is small and printed as is
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        template_ops=_ops(template_sources(), TEMPLATE_ADDS),
        local_ops=_ops(project_files(), LOCAL_ADDS),
    )
    def scenario(template_ops: list[tuple], local_ops: list[tuple]) -> None:
        problems = bench.scenario(pattern, template_ops, local_ops)
        assert not problems, "\n".join(problems)

    scenario()
    assert bench.ran - before >= SCENARIOS[pattern], f"only {bench.ran - before} scenarios ran"


# -- a few scenarios on the real rag-service pattern --------------------------------------------------

REAL_FILES = {  # template source -> project path (platform folders linked into the pattern, and a pattern folder)
    "templates/platform/policies/waivers.yml": "policies/waivers.yml",
    "templates/platform/policies/denied_terms.yml": "policies/denied_terms.yml",
    "templates/platform/docs/gate.md": "docs/gate.md",
    "templates/rag-service/corpus/customer-refunds.md": "corpus/customer-refunds.md",
}


class RealBench:
    def __init__(self, template_root: Path, root: Path):
        from controls.projects import git, snapshot_template

        from paved_roads.generate import generate

        self.git = git
        self.root = root
        self.template = snapshot_template(template_root, root / "template", tag="1.0.0")
        self.base = generate(root / "base", template=self.template, vcs_ref="1.0.0", data={"pattern": "rag-service"})
        git(self.base, "init", "-q", "-b", "main")
        git(self.base, "add", "-A")
        git(self.base, "commit", "-q", "-m", "generated")
        self.counter = itertools.count(1)

    def scenario(self, template_ops: list[tuple], local_ops: list[tuple]) -> list[str]:
        from fleet.scenarios import _edit, _renamed

        git, n = self.git, next(self.counter)
        tag, expect = f"1.0.{n}", Expectations()
        project = clone_project(self.base, self.root / f"real-{n}")
        for index, (kind, source, line, replace) in enumerate(local_ops):
            path, marker = project / REAL_FILES[source], f"LOCAL-{index}"
            if kind == "edit":
                path.write_text(_edit(path.read_text(), line, replace, marker))
                expect.local_markers.append(marker)
            elif kind == "delete":
                path.unlink()
            else:  # rename, keeping an edit so the marker must follow it
                path.with_name(_renamed(path.name, "_moved")).write_text(_edit(path.read_text(), line, False, marker))
                path.unlink()
                expect.local_markers.append(marker)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", "local")
        git(self.template, "checkout", "-q", "-f", "--detach", "1.0.0")
        for index, (kind, source, line, replace) in enumerate(template_ops):
            path, marker = self.template / source, f"TEMPLATE-{tag}-{index}"
            if kind == "edit":
                path.write_text(_edit(path.read_text(), line, replace, marker))
                expect.template_markers[marker] = REAL_FILES[source]
            elif kind == "delete":
                path.unlink()
            else:
                git(self.template, "mv", source, str(Path(source).with_name(_renamed(Path(source).name, "_renamed"))))
                expect.template_new_paths.append(_renamed(REAL_FILES[source], "_renamed"))
        git(self.template, "add", "-A")
        git(self.template, "commit", "-q", "-m", tag)
        git(self.template, "tag", tag)
        result = update_project(project, to=tag)
        return [f"{p} (template {template_ops}, local {local_ops})" for p in check_update(project, result, expect)]


@pytest.fixture(scope="module")
def real_bench(template_root: Path, tmp_path_factory: pytest.TempPathFactory) -> RealBench:
    return RealBench(template_root, tmp_path_factory.mktemp("real-scenarios"))


@pytest.mark.xdist_group("real-scenarios")
def test_random_updates_of_the_real_rag_pattern(real_bench: RealBench) -> None:
    op = st.tuples(
        st.sampled_from(("edit", "delete", "rename")),
        st.sampled_from(sorted(REAL_FILES)),
        st.integers(0, 8),
        st.booleans(),
    )
    ops = st.lists(op, min_size=1, max_size=2, unique_by=lambda o: o[1])

    @settings(max_examples=4, deadline=None, derandomize=True, database=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(template_ops=ops, local_ops=ops)
    def scenario(template_ops: list[tuple], local_ops: list[tuple]) -> None:
        problems = real_bench.scenario(template_ops, local_ops)
        assert not problems, "\n".join(problems)

    scenario()
