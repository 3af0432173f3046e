"""The platform layer is kept once and reaches every pattern."""

from __future__ import annotations

import ast
import hashlib
from collections import defaultdict
from pathlib import Path

from paved_roads.authoring.check import pattern_mentions
from paved_roads.generate import PATTERNS
from paved_roads.links import CACHES, sync_links, unreached_files


def test_every_pattern_folder_exists(template_root: Path) -> None:
    for pattern in PATTERNS:
        assert (template_root / "templates" / pattern / "questions.yml").is_file(), pattern


def test_every_platform_file_reaches_every_pattern(template_root: Path) -> None:
    assert unreached_files(template_root / "templates") == []


def test_no_links_are_missing(template_root: Path) -> None:
    assert sync_links(template_root / "templates", dry_run=True).created == []


def test_no_file_is_copied_between_patterns_or_from_the_platform(template_root: Path) -> None:
    """A regular file whose bytes appear in two template folders is a copy that will drift."""
    owners: dict[str, set[str]] = defaultdict(set)
    for folder in (template_root / "templates").iterdir():
        for path in _regular_files(folder):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            owners[digest].add(str(path.relative_to(template_root)))
    copies = [sorted(paths) for paths in owners.values() if len({p.split("/")[1] for p in paths}) > 1]
    assert copies == [], f"same file in two template folders: {copies}"


def test_copy_detector_catches_a_copied_platform_file(template_root: Path, tmp_path: Path) -> None:
    """The check above must fail when someone copies a platform file into a pattern."""
    fake = tmp_path / "templates"
    (fake / "platform").mkdir(parents=True)
    (fake / "rag-service").mkdir()
    (fake / "platform" / "Makefile").write_text("same\n")
    (fake / "rag-service" / "Makefile").write_text("same\n")
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for folder in fake.iterdir() for p in _regular_files(folder)}
    assert len(digests) == 1
    try:
        sync_links(fake, dry_run=True)
    except Exception as error:  # LinkError names the copy
        assert "copy of platform file" in str(error)
    else:
        raise AssertionError("a copied platform file was not reported")


def test_the_platform_names_no_pattern(template_root: Path) -> None:
    """The platform serves any pattern: what differs lives in the pattern (`_fragments/`, registries, hooks)."""
    assert pattern_mentions(template_root / "templates" / "platform", list(PATTERNS)) == []


def test_pattern_check_catches_a_platform_file_that_knows_a_pattern(tmp_path: Path) -> None:
    (tmp_path / "governance.yml.jinja").write_text("hitl: {{ pattern == 'approval-workflow' }}\n")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["tests.rag_service_backends"]\n')
    assert len(pattern_mentions(tmp_path, list(PATTERNS))) == 2


PLATFORM_PACKAGE = Path("templates/platform/src/{{ package_name }}/platform")


def exception_classes(package: Path) -> dict[str, tuple[str, list[str]]]:
    """Every class in `package` that derives from an exception, by name: (module file, base names)."""
    classes: dict[str, tuple[str, list[str]]] = {}
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(base).rsplit(".", 1)[-1] for base in node.bases]
                classes[node.name] = (str(path.relative_to(package)), bases)
    errors: dict[str, tuple[str, list[str]]] = {}
    changed = True
    while changed:  # follow inheritance inside the package until nothing new is an exception
        changed = False
        for name, (module, bases) in classes.items():
            is_error = any(b in errors or b.endswith(("Error", "Exception")) for b in bases)
            if is_error and name not in errors:
                errors[name], changed = (module, bases), True
    return errors


def test_platform_exceptions_live_in_one_module_under_one_root(template_root: Path) -> None:
    """One error module, one root: a caller can catch `PlatformError` and read every class in one place."""
    errors = exception_classes(template_root / PLATFORM_PACKAGE)
    assert "PlatformError" in errors
    elsewhere = sorted(f"{module}: {name}" for name, (module, _) in errors.items() if module != "errors.py")
    assert elsewhere == [], f"exception classes outside platform/errors.py: {elsewhere}"

    def root(name: str) -> str:
        bases = [b for b in errors[name][1] if b in errors]
        return root(bases[0]) if bases else name

    assert {name: root(name) for name in errors} == dict.fromkeys(errors, "PlatformError")


def test_error_layout_check_catches_a_stray_exception(tmp_path: Path) -> None:
    (tmp_path / "errors.py").write_text("class PlatformError(Exception):\n    pass\n")
    (tmp_path / "budget.py").write_text("class BudgetExceeded(RuntimeError):\n    pass\n")
    assert exception_classes(tmp_path)["BudgetExceeded"][0] == "budget.py"


def misplaced_pattern_tests(pattern_folder: Path) -> list[str]:
    """A pattern's own test files that are not in one `tests/<area>/` folder (the platform's are links)."""
    tests = pattern_folder / "tests"
    own = [path for path in tests.iterdir() if not path.is_symlink() and path.name not in CACHES]
    areas = [path for path in own if path.is_dir() and path.name != "platform"]
    loose = sorted(path.name for path in own if path not in areas)
    return loose if len(areas) == 1 else [*loose, f"{len(areas)} test folders: {sorted(a.name for a in areas)}"]


def test_every_pattern_keeps_its_tests_in_one_area_folder(template_root: Path) -> None:
    """One test layout: tests/platform/ and tests/conftest.py are the platform's, tests/<area>/ the pattern's."""
    misplaced = {p: misplaced_pattern_tests(template_root / "templates" / p) for p in PATTERNS}
    assert misplaced == dict.fromkeys(PATTERNS, []), misplaced


def test_test_layout_check_catches_a_loose_pattern_test(tmp_path: Path) -> None:
    (tmp_path / "tests" / "copilot").mkdir(parents=True)
    (tmp_path / "tests" / "test_export.py").write_text("")
    assert misplaced_pattern_tests(tmp_path) == ["test_export.py"]


def _regular_files(folder: Path) -> list[Path]:
    """Files that are really stored in `folder` (symlinked ones are the platform's own)."""
    found = []
    for path in folder.rglob("*"):
        if CACHES & set(path.parts) or not path.is_file() or path.stat().st_size == 0:
            continue
        if any(parent.is_symlink() for parent in [path, *path.parents] if folder in parent.parents or parent == path):
            continue
        found.append(path)
    return found
