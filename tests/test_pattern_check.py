"""`paved-roads pattern check` passes on the real patterns and names each seeded defect; `pattern new` guards its input.

Defects are seeded in a copy of `templates/` and `copier.yml` under tmp_path, never in this checkout.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from paved_roads.authoring.check import KINDS, check_patterns
from paved_roads.authoring.scaffold import SKELETON, PatternError, scaffold
from paved_roads.cli import main
from paved_roads.generate import PATTERNS, TEMPLATE_ROOT

PACKAGE = "src/{{ package_name }}"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A template checkout to break: this one's templates/ (symlinks kept) and copier.yml."""
    root = tmp_path / "checkout"
    shutil.copytree(TEMPLATE_ROOT / "templates", root / "templates", symlinks=True)
    shutil.copy2(TEMPLATE_ROOT / "copier.yml", root / "copier.yml")
    return root


def test_pattern_check_passes_on_every_real_pattern(capsys) -> None:
    assert check_patterns(TEMPLATE_ROOT) == []
    assert main(["pattern", "check", "--template", str(TEMPLATE_ROOT)]) == 0
    assert f"ok: {', '.join(PATTERNS)} keep the platform contract" in capsys.readouterr().out


# -- one seeded defect per problem kind ------------------------------------------------------------------


def link_removed(root: Path) -> str:
    (root / "templates/rag-service/policies").unlink()
    return "templates/rag-service/policies: missing-link: no link to templates/platform/policies"


def platform_file_copied_over_its_link(root: Path) -> str:
    link = root / "templates/approval-workflow/Makefile.jinja"
    link.unlink()
    shutil.copy2(root / "templates/platform/Makefile.jinja", link)
    return "templates/approval-workflow/Makefile.jinja: copied-platform-file: a pattern copy of"


def platform_module_copied_into_the_pattern(root: Path) -> str:
    shutil.copy2(
        root / f"templates/platform/{PACKAGE}/platform/budget/guard.py",
        root / f"templates/copilot-evidence/{PACKAGE}/budget_guard.py",
    )
    return (
        f"templates/copilot-evidence/{PACKAGE}/budget_guard.py: copied-platform-file: same bytes as templates/platform"
    )


def fragment_deleted(root: Path) -> str:
    (root / "templates/approval-workflow/_fragments/thresholds.yml.jinja").unlink()
    return (
        "templates/approval-workflow/_fragments/thresholds.yml.jinja: missing-fragment: "
        "templates/platform/governance.yml.jinja includes it"
    )


def predictor_renamed(root: Path) -> str:
    path = root / f"templates/copilot-evidence/{PACKAGE}/evaluation.py"
    path.write_text(path.read_text().replace("def predict(", "def predict_case("))
    return f"templates/copilot-evidence/{PACKAGE}/evaluation.py: missing-hook: predict names evaluation:predict"


def hooks_not_named(root: Path) -> str:
    path = root / f"templates/rag-service/{PACKAGE}/cli.py"
    path.write_text(path.read_text().replace("PatternHooks.lazy(", "make_hooks("))
    return f"templates/rag-service/{PACKAGE}/cli.py: missing-hook: does not build its CLI from PatternHooks.lazy"


def demo_module_deleted(root: Path) -> str:
    (root / f"templates/approval-workflow/{PACKAGE}/demo.py").unlink()
    return f"templates/approval-workflow/{PACKAGE}/demo.py: missing-hook: demo names demo:demo, but the module"


def dataset_meta_deleted(root: Path) -> str:
    (root / "templates/approval-workflow/evals/datasets/proposals.meta.yml.jinja").unlink()
    return "templates/approval-workflow/evals/datasets/proposals.jsonl: dataset-provenance: no proposals.meta.yml"


def dataset_provenance_emptied(root: Path) -> str:
    path = root / "templates/rag-service/evals/datasets/rag_golden.meta.yml.jinja"
    path.write_text(re.sub(r"^provenance:.*?(?=^\w)", "provenance: ''\n", path.read_text(), flags=re.M | re.S))
    return f"{path.relative_to(root)}: dataset-provenance: empty or missing: provenance"


def platform_names_a_pattern(root: Path) -> str:
    path = root / "templates/platform/Makefile.jinja"
    path.write_text(path.read_text() + "\n# copilot-evidence needs its library loaded first\n")
    return "templates/platform/Makefile.jinja:"


def platform_branches_on_the_pattern(root: Path) -> str:
    path = root / "templates/platform/governance.yml.jinja"
    path.write_text(path.read_text() + "{% if pattern == 'x' %}extra: true{% endif %}\n")
    return "templates/platform/governance.yml.jinja:"


def choice_removed(root: Path) -> str:
    copier = root / "copier.yml"
    copier.write_text(
        "".join(line for line in copier.read_text().splitlines(True) if ": copilot-evidence\n" not in line)
    )
    return "copier.yml: not-a-choice: templates/copilot-evidence is not a choice of the pattern question"


def question_ungated(root: Path) -> str:
    path = root / "templates/rag-service/questions.yml"
    path.write_text(path.read_text() + "\nrerank:\n  type: bool\n  help: Rerank hits?\n  default: false\n")
    return "templates/rag-service/questions.yml: ungated-question: rerank is asked for every pattern"


DEFECTS: list[tuple[str, Callable[[Path], str]]] = [
    ("missing-link", link_removed),
    ("copied-platform-file", platform_file_copied_over_its_link),
    ("copied-platform-file", platform_module_copied_into_the_pattern),
    ("missing-fragment", fragment_deleted),
    ("missing-hook", predictor_renamed),
    ("missing-hook", hooks_not_named),
    ("missing-hook", demo_module_deleted),
    ("dataset-provenance", dataset_meta_deleted),
    ("dataset-provenance", dataset_provenance_emptied),
    ("platform-mentions-pattern", platform_names_a_pattern),
    ("platform-mentions-pattern", platform_branches_on_the_pattern),
    ("not-a-choice", choice_removed),
    ("ungated-question", question_ungated),
]


@pytest.mark.parametrize(("kind", "inject"), DEFECTS, ids=[inject.__name__ for _, inject in DEFECTS])
def test_pattern_check_names_each_seeded_defect(checkout: Path, capsys, kind: str, inject) -> None:
    assert check_patterns(checkout) == [], "the copy must start clean"
    expected = inject(checkout)
    problems = check_patterns(checkout)
    assert [problem.kind for problem in problems] == [kind], [problem.line() for problem in problems]
    assert problems[0].line().startswith(expected), problems[0].line()
    assert main(["pattern", "check", "--template", str(checkout)]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[1] == problems[0].line()  # line 0 names the checkout
    assert "1 problem(s)" in err


def test_every_problem_kind_has_a_seeded_defect() -> None:
    assert {kind for kind, _ in DEFECTS} == set(KINDS)


def test_checking_one_pattern_reports_only_its_own_problems(checkout: Path) -> None:
    fragment_deleted(checkout)
    link_removed(checkout)
    assert [p.kind for p in check_patterns(checkout, ["approval-workflow"])] == ["missing-fragment"]
    with pytest.raises(ValueError, match="no pattern folder templates/nope"):
        check_patterns(checkout, ["nope"])


# -- pattern new: what it refuses, without writing anything --------------------------------------------


@pytest.mark.parametrize(
    ("name", "title", "message"),
    [
        ("Incident_Digest", "Incident digests", "lowercase letters, digits and single dashes"),
        ("incident--digest", "Incident digests", "lowercase letters, digits and single dashes"),
        ("platform", "Platform", "reserved"),
        ("rag-service", "Another RAG", "already exists"),
        ("incident-digest", 'Say "hi"', "--title"),
        ("incident-digest", "{{ evil }}", "--title"),
        ("incident-digest", "x" * 61, "at most 60 characters"),
        ("gateway", "Gateway", "the platform already says 'gateway'"),
    ],
)
def test_pattern_new_refuses_bad_input_in_one_line_and_writes_nothing(
    checkout: Path, capsys, name: str, title: str, message: str
) -> None:
    before = (checkout / "copier.yml").read_text()
    folders = sorted(path.name for path in (checkout / "templates").iterdir())
    with pytest.raises(PatternError, match=re.escape(message)):
        scaffold(checkout, name, title)
    assert main(["pattern", "new", name, "--title", title, "--template", str(checkout)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err
    assert (checkout / "copier.yml").read_text() == before
    assert sorted(path.name for path in (checkout / "templates").iterdir()) == folders


def test_scaffolded_pattern_keeps_the_contract_and_is_offered_by_copier(checkout: Path, capsys) -> None:
    assert main(["pattern", "new", "incident-digest", "--title", "Incident digests", "--template", str(checkout)]) == 0
    assert "paved-roads pattern check incident-digest" in capsys.readouterr().out
    assert check_patterns(checkout) == []
    assert '    "incident-digest: Incident digests": incident-digest\n' in (checkout / "copier.yml").read_text()
    folder = checkout / "templates" / "incident-digest"
    leftovers = [str(path) for path in folder.rglob("*") if "__PATTERN" in str(path)]
    leftovers += [str(path) for path in folder.rglob("*") if path.is_file() and "__PATTERN" in path.read_text()]
    assert leftovers == []
    assert (folder / "tests" / "incident_digest" / "test_api.py.jinja").is_file()
    assert (folder / "evals" / "datasets" / "incident_digest.meta.yml.jinja").is_file()
    assert (folder / PACKAGE / "platform").is_symlink()


def test_skeleton_lines_fit_the_line_length_with_the_longest_name_and_title() -> None:
    """ruff's 120 columns hold for any accepted name (40 characters) and title (60)."""
    longest = {"__PATTERN_IDENT__": "x" * 40, "__PATTERN_TITLE__": "x" * 60, "__PATTERN__": "x" * 40}
    too_long = []
    for path in SKELETON.rglob("*"):
        if path.suffix not in {".py", ".jinja"} or not path.name.endswith((".py", ".py.jinja")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for mark, value in longest.items():
                line = line.replace(mark, value)
            if len(line) > 120:
                too_long.append(f"{path.relative_to(SKELETON)}:{number}: {len(line)}")
    assert too_long == []
