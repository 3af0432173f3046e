"""What each pattern tells this repository's tests about itself: `templates/<pattern>/template_tests.yml`.

The render matrix, the update test, the controls suite and the API fuzz test run over every pattern
folder (`PATTERNS`, read from the checkout); what only one pattern knows (an answer away from its
defaults, the commands that load its sample data, requests it must refuse, which tier's defect tests
it hosts) lives next to that pattern in its `template_tests.yml`, never in a list of names here.
A pattern without the file gets the defaults below. Unknown keys are an error, so a typo cannot
silently switch a test off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from paved_roads.generate import PATTERNS, TEMPLATE_ROOT

REGISTRY_FILE = "template_tests.yml"
STRICT_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@dataclass(frozen=True)
class Request:
    """One request of the fuzz test's set-up or refusal list; `${name.key.0}` in path or body reads a saved answer."""

    method: str
    path: str
    body: str | bytes | None = None  # bytes: a YAML `!!binary` body (e.g. bytes that are not UTF-8)
    file: str | None = None  # a project file sent as the body (with `content_type`)
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None  # None: any 4xx with the {"error", "detail"} body
    save: str | None = None  # keep the JSON answer under this name


@dataclass(frozen=True)
class Fuzz:
    scopes: tuple[str, ...] = ("query", "ingest", "approve", "admin")
    setup: tuple[tuple[str, ...], ...] = ()  # project commands run before the service starts
    requests: tuple[Request, ...] = ()
    checks: tuple[str, ...] = STRICT_CHECKS
    max_examples: int | None = None
    max_time_s: int = 60
    workers: int = 1  # hypothesis describes strategies with ast.parse, which CPython 3.11 can crash on in two threads


@dataclass(frozen=True)
class Controls:
    hosts: tuple[str, ...] = ()  # tiers whose defect tests run on this pattern's clean project
    options: dict[str, Any] = field(default_factory=dict)  # what those defects need to know (pattern-specific)


@dataclass(frozen=True)
class PatternTests:
    pattern: str
    answers_away_from_defaults: dict[str, Any] = field(default_factory=dict)
    fuzz: Fuzz = field(default_factory=Fuzz)
    controls: Controls = field(default_factory=Controls)


def _only(where: str, data: dict, allowed: set[str]) -> dict:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})")
    return data


@cache
def pattern_tests(pattern: str, root: Path = TEMPLATE_ROOT) -> PatternTests:
    path = root / "templates" / pattern / REGISTRY_FILE
    data = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    where = str(path.relative_to(root))
    _only(where, data, {"answers_away_from_defaults", "fuzz", "controls"})
    fuzz = _only(f"{where} fuzz", dict(data.get("fuzz") or {}), {*Fuzz.__dataclass_fields__, "bad_requests"})
    requests = [*fuzz.pop("requests", []), *fuzz.pop("bad_requests", [])]
    for request in requests:
        _only(f"{where} fuzz request", request, set(Request.__dataclass_fields__))
    controls = dict(data.get("controls") or {})
    return PatternTests(
        pattern=pattern,
        answers_away_from_defaults=dict(data.get("answers_away_from_defaults") or {}),
        fuzz=Fuzz(
            scopes=tuple(fuzz.get("scopes", Fuzz.scopes)),
            setup=tuple(tuple(step) for step in fuzz.get("setup", ())),
            requests=tuple(Request(**request) for request in requests),
            checks=tuple(fuzz.get("checks", STRICT_CHECKS)),
            max_examples=fuzz.get("max_examples"),
            max_time_s=int(fuzz.get("max_time_s", Fuzz.max_time_s)),
            workers=int(fuzz.get("workers", Fuzz.workers)),
        ),
        controls=Controls(hosts=tuple(controls.pop("hosts", ())), options=controls),
    )


def defect_host(tier: str) -> str:
    """The pattern whose clean project carries `tier`'s defect tests (declared by exactly one pattern)."""
    hosts = [pattern for pattern in PATTERNS if tier in pattern_tests(pattern).controls.hosts]
    if len(hosts) != 1:
        raise ValueError(f"{len(hosts)} patterns declare `controls: hosts: [{tier}]` in {REGISTRY_FILE}: need one")
    return hosts[0]
