"""Validation and quoting helpers for copier.yml answers.

Validators in copier.yml call these globals; each returns an empty string when the
answer is fine, or one line that names the field and says what is accepted.
Filters quote free text for the file format it lands in, so answers containing
quotes, Jinja or shell syntax render as inert text.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
from pathlib import Path
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9._-]+)?$")
COPIER_ANSWER_ERRORS = ("Validation error for question", "Invalid choice for")


def project_name_error(value: str) -> str:
    text = str(value).strip()
    if not text:
        return "project_name: must not be empty"
    if len(text) > 80 or "\n" in text:
        return "project_name: must be one line of at most 80 characters"
    return ""


def slug_error(value: str, field: str = "project_slug") -> str:
    text = str(value)
    if not SLUG.match(text) or len(text) > 60:
        return (
            f"{field}: {text!r} is not accepted; use 2-60 lowercase letters, digits and "
            "single dashes, starting with a letter (e.g. 'claims-assistant')"
        )
    return ""


def package_name_error(value: str) -> str:
    text = str(value)
    if not text.isidentifier() or not text.isascii():
        return f"package_name: {text!r} is not a valid Python identifier (use letters, digits, underscores)"
    if keyword.iskeyword(text) or keyword.issoftkeyword(text):
        return f"package_name: {text!r} is a Python keyword; pick another name"
    if text in sys.stdlib_module_names or text in {"platform", "test", "tests"}:
        return f"package_name: {text!r} shadows a standard-library module; pick another name"
    if text != text.lower():
        return f"package_name: {text!r} must be lowercase (PEP 8)"
    return ""


def owners_error(value: Any, risk_tier: str) -> str:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        return "owners: give a YAML list of at least one handle, e.g. ['@acme/claims-team']"
    bad = [str(item) for item in value if not isinstance(item, str) or not HANDLE.match(item)]
    if bad:
        return f"owners: {bad[0]!r} is not a GitHub handle like '@alice' or '@acme/team'"
    if len(set(value)) != len(value):
        return "owners: handles must be distinct"
    if risk_tier == "high" and len(value) < 2:
        return "owners: risk_tier high needs at least two owners (independent review needs a second person)"
    return ""


def budget_error(value: Any) -> str:
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return f"monthly_budget_usd: {value!r} is not a number"
    if not amount > 0 or amount != amount or amount == float("inf"):
        return f"monthly_budget_usd: must be a number greater than 0, got {value!r}"
    return ""


def slugify(value: Any) -> str:
    """'Claims Assistant v2!' -> 'claims-assistant-v2' (ASCII, dashes, starts with a letter)."""
    import unicodedata

    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    slug = re.sub(r"^[0-9-]+", "", slug)
    return slug[:60].rstrip("-") or "feature"


def toml_str(value: Any) -> str:
    """Quote text as a TOML basic string (JSON escaping is valid TOML)."""
    return json.dumps(str(value), ensure_ascii=False)


def yaml_str(value: Any) -> str:
    """Quote text as a YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def py_str(value: Any) -> str:
    """Quote text as a Python string literal, in the quotes `ruff format` would choose."""
    text = str(value)
    if '"' in text and "'" not in text:
        return repr(text)  # single quotes: fewer escapes, as the formatter prefers
    return json.dumps(text, ensure_ascii=False)


def absolute_src_path(answers: dict[str, Any]) -> dict[str, Any]:
    """Record a local template path as absolute: `copier update` cannot follow a relative one."""
    src = str(answers.get("_src_path", ""))
    is_remote = "://" in src or src.startswith(("gh:", "gl:", "git@", "git+"))
    if src and not is_remote:
        return {**answers, "_src_path": str(Path(src).expanduser().resolve())}
    return answers


def _one_line_answer_errors(hook: Any) -> Any:
    """Print copier's answer validation errors as one line instead of a traceback.

    Copier 9 re-prompts on a bad answer interactively, but with `--data`/`--defaults`
    the ValueError escapes as a traceback. The message itself already names the
    field, so we print just that and exit 1; anything else goes to the old hook.
    """

    def excepthook(kind: type[BaseException], error: BaseException, tb: Any) -> None:
        if issubclass(kind, ValueError) and str(error).startswith(COPIER_ANSWER_ERRORS):
            sys.stderr.write(f"error: {error}\n")
            return
        hook(kind, error, tb)

    excepthook.paved_roads = True  # type: ignore[attr-defined]
    return excepthook


class AnswersExtension(Extension):
    """Expose answer validators and quoting filters to copier.yml and templates."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.globals.update(
            project_name_error=project_name_error,
            slug_error=slug_error,
            package_name_error=package_name_error,
            owners_error=owners_error,
            budget_error=budget_error,
        )
        environment.filters.update(
            slugify=slugify, toml_str=toml_str, yaml_str=yaml_str, py_str=py_str, absolute_src_path=absolute_src_path
        )
        if not getattr(sys.excepthook, "paved_roads", False):
            sys.excepthook = _one_line_answer_errors(sys.excepthook)
