"""`paved-roads pattern check`: what a pattern folder owes the platform, one line per problem.

A pattern reaches the platform layer through symlinks (never copies), provides every fragment a
platform file includes, names the hooks the platform calls (API factory, eval predictor, demo) in
modules that define them, gives every eval dataset its provenance file, and is a choice of copier's
`pattern` question. The platform, in turn, names no pattern. Each broken promise is one `Problem`.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..links import CACHES, PLATFORM, _link_points, patterns
from .discovery import copier_choices, platform_fragments, templates_dir

PACKAGE = "src/{{ package_name }}"
# PatternHooks.lazy's defaults (platform/pattern.py): the layout every pattern follows unless it names others.
DEFAULT_HOOKS = {"create_app": "api.main:create_app", "predict": "evaluation:predict", "demo": "demo:demo"}
# What the platform's dataset loader refuses to run without (platform/assets.py, _DATASET_FIELDS).
DATASET_META_FIELDS = ("name", "version", "owner", "provenance", "freshness_date", "permissible_use")
_BRANCH_ON_PATTERN = re.compile(r"\bpattern\s*[!=]=")

KINDS = (
    "missing-link",
    "copied-platform-file",
    "missing-fragment",
    "missing-hook",
    "dataset-provenance",
    "platform-mentions-pattern",
    "not-a-choice",
    "ungated-question",
)


@dataclass(frozen=True)
class Problem:
    where: str  # a path relative to the checkout (with `:line` where it helps)
    kind: str  # one of KINDS
    detail: str  # what is wrong and what to do

    def line(self) -> str:
        return f"{self.where}: {self.kind}: {self.detail}"


def check_patterns(root: Path, names: list[str] | None = None) -> list[Problem]:
    """Problems of the named patterns (default: every pattern folder) and of the platform toward them."""
    templates = templates_dir(root)
    folders = {folder.name: folder for folder in patterns(templates)}
    unknown = sorted(set(names or []) - set(folders))
    if unknown:
        raise ValueError(f"no pattern folder templates/{unknown[0]} (have: {', '.join(sorted(folders))})")
    chosen = [folders[name] for name in (names or sorted(folders))]
    problems: list[Problem] = []
    for folder in chosen:
        problems += link_problems(root, folder)
        problems += copy_problems(root, folder)
        problems += fragment_problems(root, folder)
        problems += hook_problems(root, folder)
        problems += dataset_problems(root, folder)
        problems += question_problems(root, folder)
    problems += choice_problems(root, [folder.name for folder in chosen], every=names is None)
    problems += [
        Problem(where, "platform-mentions-pattern", text)
        for where, text in pattern_mentions(templates / PLATFORM, sorted(folders), relative_to=root)
    ]
    return problems


def _rel(root: Path, path: Path) -> str:
    return str(path.relative_to(root))


# -- links and copies ------------------------------------------------------------------------------


def link_problems(root: Path, folder: Path) -> list[Problem]:
    """Every platform entry the pattern does not extend must be a symlink to it: missing, wrong or shadowed."""
    platform = templates_dir(root) / PLATFORM
    problems = []
    for shared, target in _link_points(platform, folder):
        where = _rel(root, target)
        if target.is_symlink():
            if target.resolve() != shared.resolve():
                problems.append(Problem(where, "missing-link", f"links elsewhere, not to {_rel(root, shared)}"))
        elif target.exists():
            problems.append(
                Problem(
                    where,
                    "copied-platform-file",
                    f"a pattern copy of {_rel(root, shared)} (it would drift): delete it and run `paved-roads link`",
                )
            )
        else:
            problems.append(Problem(where, "missing-link", f"no link to {_rel(root, shared)}: run `paved-roads link`"))
    return problems


def stored_files(folder: Path) -> list[Path]:
    """Non-empty files really stored in `folder` (anything reached through a symlink is someone else's)."""
    found = []
    for path in sorted(folder.rglob("*")):
        if CACHES & set(path.parts) or path.is_symlink() or not path.is_file() or path.stat().st_size == 0:
            continue
        if any((folder / parent).is_symlink() for parent in path.relative_to(folder).parents):
            continue
        found.append(path)
    return found


def copy_problems(root: Path, folder: Path) -> list[Problem]:
    """A file of this pattern whose bytes are a platform file's or another pattern's: a copy that will drift."""
    templates = templates_dir(root)
    digests: dict[str, list[Path]] = defaultdict(list)
    for other in [templates / PLATFORM, *patterns(templates)]:
        if other != folder:
            for path in stored_files(other):
                digests[hashlib.sha256(path.read_bytes()).hexdigest()].append(path)
    shadowing = {target for _, target in _link_points(templates / PLATFORM, folder)}  # reported by link_problems
    problems = []
    for path in stored_files(folder):
        if path in shadowing:
            continue
        same = digests.get(hashlib.sha256(path.read_bytes()).hexdigest())
        if same:
            owner = same[0]
            from_platform = owner.relative_to(templates).parts[0] == PLATFORM
            fix = "link to the platform's copy" if from_platform else "make it differ"
            problems.append(
                Problem(_rel(root, path), "copied-platform-file", f"same bytes as {_rel(root, owner)}: {fix}")
            )
    return problems


# -- fragments, hooks, datasets, questions ---------------------------------------------------------------


def fragment_problems(root: Path, folder: Path) -> list[Problem]:
    problems = []
    for fragment in platform_fragments(root).values():
        path = folder / "_fragments" / fragment.name
        if fragment.required and not path.is_file():
            problems.append(
                Problem(_rel(root, path), "missing-fragment", f"{fragment.included_by} includes it for every pattern")
            )
    return problems


def hook_problems(root: Path, folder: Path) -> list[Problem]:
    """The CLI names its hooks with `PatternHooks.lazy(...)`; each named `module:function` must exist."""
    package = folder / PACKAGE
    cli = package / "cli.py"
    if not cli.is_file():
        fix = "no cli.py: `app = build_cli(PatternHooks.lazy(__package__))`"
        return [Problem(_rel(root, cli), "missing-hook", fix)]
    hooks = _lazy_hooks(cli.read_text(encoding="utf-8"))
    if hooks is None:
        return [
            Problem(
                _rel(root, cli),
                "missing-hook",
                "does not build its CLI from PatternHooks.lazy(...): the platform cannot find the hooks",
            )
        ]
    problems = []
    for hook, reference in hooks.items():
        module, _, function = reference.partition(":")
        source = _module_source(package, module)
        if source is None:
            where = _rel(root, package / (module.replace(".", "/") + ".py"))
            problems.append(Problem(where, "missing-hook", f"{hook} names {reference}, but the module is missing"))
        elif not re.search(rf"^(async )?def {re.escape(function)}\(", source.read_text(encoding="utf-8"), re.M):
            problems.append(Problem(_rel(root, source), "missing-hook", f"{hook} names {reference}: no def {function}"))
    return problems


def _lazy_hooks(source: str) -> dict[str, str] | None:
    """{hook: "module:function"} from the `PatternHooks.lazy(...)` call, or None when there is none."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "lazy"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "PatternHooks"
        ):
            hooks = dict(DEFAULT_HOOKS)
            for keyword in node.keywords:
                if keyword.arg in hooks and isinstance(keyword.value, ast.Constant):
                    hooks[keyword.arg] = str(keyword.value.value)
            return hooks
    return None


def _module_source(package: Path, module: str) -> Path | None:
    base = package / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), Path(f"{base}.py.jinja"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def dataset_problems(root: Path, folder: Path) -> list[Problem]:
    """Each `evals/datasets/<name>.jsonl` needs `<name>.meta.yml` saying where its cases came from."""
    problems = []
    for dataset in sorted((folder / "evals" / "datasets").glob("*.jsonl")):
        name = dataset.name.removesuffix(".jsonl")
        metas = [dataset.with_name(f"{name}.meta.yml{suffix}") for suffix in ("", ".jinja")]
        meta = next((path for path in metas if path.is_file()), None)
        where = _rel(root, dataset)
        if meta is None:
            problems.append(
                Problem(where, "dataset-provenance", f"no {name}.meta.yml: say its provenance, owner and permitted use")
            )
            continue
        try:
            fields = yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            reason = f"not valid YAML ({error})".splitlines()[0]
            problems.append(Problem(_rel(root, meta), "dataset-provenance", reason))
            continue
        fields = fields if isinstance(fields, dict) else {}
        missing = [key for key in DATASET_META_FIELDS if not str(fields.get(key) or "").strip()]
        if missing:
            problems.append(Problem(_rel(root, meta), "dataset-provenance", f"empty or missing: {', '.join(missing)}"))
        elif str(fields["name"]) != name:
            problems.append(Problem(_rel(root, meta), "dataset-provenance", f"name {fields['name']!r} is not {name!r}"))
    return problems


def question_problems(root: Path, folder: Path) -> list[Problem]:
    """A pattern's questions are asked for that pattern only (`when:`); questions.yml must exist."""
    path = folder / "questions.yml"
    if not path.is_file():
        return [Problem(_rel(root, path), "ungated-question", "missing: copier reads each pattern's questions.yml")]
    questions = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [
        Problem(
            _rel(root, path),
            "ungated-question",
            f"{name} is asked for every pattern: add when: \"{{{{ pattern == '{folder.name}' }}}}\" (or false)",
        )
        for name, spec in questions.items()
        if isinstance(spec, dict) and "when" not in spec
    ]


def choice_problems(root: Path, names: list[str], *, every: bool) -> list[Problem]:
    choices = copier_choices(root)
    problems = [
        Problem("copier.yml", "not-a-choice", f"templates/{name} is not a choice of the pattern question")
        for name in names
        if name not in choices
    ]
    if every:
        folders = {folder.name for folder in patterns(templates_dir(root))}
        problems += [
            Problem("copier.yml", "not-a-choice", f"choice {name} has no templates/{name} folder")
            for name in choices
            if name not in folders
        ]
    return problems


# -- the platform names no pattern ------------------------------------------------------------------------


def pattern_mentions(folder: Path, names: list[str], *, relative_to: Path | None = None) -> list[tuple[str, str]]:
    """(`path:line`, line) under `folder` that names a pattern (slug or identifier) or branches on one."""
    words = sorted({*names, *(name.replace("-", "_") for name in names)})
    base = relative_to or folder
    found = []
    for path in sorted(folder.rglob("*")):
        if CACHES & set(path.parts) or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            named = [word for word in words if word in line]
            if named or _BRANCH_ON_PATTERN.search(line):
                what = f"names {', '.join(named)}" if named else "branches on the pattern"
                found.append((f"{path.relative_to(base)}:{number}", f"{what}: {line.strip()[:120]}"))
    return found
