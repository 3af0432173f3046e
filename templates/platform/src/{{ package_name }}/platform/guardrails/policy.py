"""Policy guard: the organisation's denied topics, terms and patterns, read from versioned YAML.

The rules live in `policies/denied_*.yml` (each with `version:` and `owner:`), so legal or
trust-and-safety can change them through a reviewed pull request without touching code.
Phrases match on de-obfuscated text, so `b0mb` or a Cyrillic `о` does not slip past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ConfigError
from .matching import (
    GateIndex,
    HintGroup,
    WordPattern,
    all_found,
    compile_words,
    finditer_words,
    hints_for,
    required_literals,
)
from .obfuscation import fold, unleet
from .result import Action, Finding, GuardResult, most_severe, redact

POLICY_GLOB = "denied_*.yml"
SECTIONS = ("topics", "terms", "patterns")


class Rule(BaseModel):
    """One denied thing: plain phrases (matched whole-word, any spacing) and/or regexes.

    Under `topics:` and `terms:` both match the de-obfuscated, lower-case text, so write
    regexes in lower case; under `patterns:` regexes match the text as written.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_.-]+$")
    description: str = ""
    action: Literal["block", "redact"] = "block"
    label: str | None = None
    phrases: list[str] = []
    regex: list[str] = []

    @field_validator("regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"invalid regex {pattern!r}: {error}") from error
        return patterns


class PolicyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | str
    owner: str = Field(min_length=1)
    description: str = ""
    topics: list[Rule] = []
    terms: list[Rule] = []
    patterns: list[Rule] = []


@dataclass(frozen=True, slots=True)
class CompiledRule:
    finding_type: str
    action: Action
    label: str
    on_folded: tuple[tuple[tuple[HintGroup, ...], WordPattern], ...]  # (hints, pattern) on the folded view
    # `patterns:` regexes, on the text as written (case matters), each with the literal words it
    # needs: a regex is only run when every group has a word somewhere in the lower-case text.
    on_original: tuple[tuple[tuple[tuple[str, ...], ...], re.Pattern[str]], ...]


def _phrase_pattern(phrases: list[str]) -> tuple[tuple[HintGroup, ...], WordPattern] | None:
    """One alternation for all phrases of a rule; its hints are each phrase's longest (rarest) word."""
    if not phrases:
        return None
    words = [fold(phrase)[0].text.split() for phrase in phrases]
    parts = [r"\W+".join(re.escape(word) for word in phrase) for phrase in words if phrase]
    hints = (HintGroup.of(tuple(sorted({max(phrase, key=len) for phrase in words if phrase}))),)
    return hints, WordPattern.compile("|".join(sorted(parts, key=len, reverse=True)) + r"\b")


def _hinted(pattern: str) -> tuple[tuple[HintGroup, ...], WordPattern]:
    """A rule regex and the literal words it cannot match without (so it is skipped when absent)."""
    return tuple(HintGroup.of(group) for group in required_literals(pattern)), WordPattern.compile(pattern)


def _as_written(pattern: str) -> tuple[tuple[tuple[str, ...], ...], re.Pattern[str]]:
    """A `patterns:` regex and its required literals (ASCII only: folding keeps ASCII runs intact,
    so a literal in the text as written is also in the folded, lower-case text)."""
    literals = tuple(group for group in required_literals(pattern) if all(word.isascii() for word in group))
    return literals, compile_words(pattern)


def load_policies(policies_dir: Path) -> list[CompiledRule]:
    """Read and compile every `denied_*.yml` in `policies_dir`; a bad file raises one ConfigError line."""
    rules: list[CompiledRule] = []
    for path in sorted(policies_dir.glob(POLICY_GLOB)):
        try:
            policy = PolicyFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML ({error})") from error
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(top level)"
            raise ConfigError(f"{path.name}: {where}: {first['msg']}") from error
        for section in SECTIONS:
            for rule in getattr(policy, section):
                phrases = _phrase_pattern(rule.phrases)
                as_written = section == "patterns"
                regexes = () if as_written else tuple(_hinted(pattern) for pattern in rule.regex)
                on_folded = ((phrases,) if phrases else ()) + regexes
                rules.append(
                    CompiledRule(
                        finding_type=f"{section.rstrip('s')}:{rule.name}",
                        action=rule.action,
                        label=rule.label or f"[{rule.name.upper()}]",
                        on_folded=on_folded,
                        on_original=tuple(_as_written(pattern) for pattern in rule.regex) if as_written else (),
                    )
                )
    return rules


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyGuard:
    """Block or redact text that touches a denied topic, term or pattern."""

    rules: tuple[CompiledRule, ...] = ()
    name: str = "policy"
    # Every folded-view regex as (rule index, hints, pattern), and an index over their hint gates.
    _folded: tuple[tuple[int, tuple[HintGroup, ...], WordPattern], ...] = field(init=False, repr=False, compare=False)
    _gates: GateIndex = field(init=False, repr=False, compare=False)
    _with_original: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = tuple(
            (index, hints, pattern) for index, rule in enumerate(self.rules) for hints, pattern in rule.on_folded
        )
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_gates", GateIndex([hints for _, hints, _ in folded]))
        object.__setattr__(self, "_with_original", tuple(i for i, rule in enumerate(self.rules) if rule.on_original))

    @classmethod
    def from_dir(cls, policies_dir: Path) -> PolicyGuard:
        return cls(rules=tuple(load_policies(policies_dir)))

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        folded, _ = fold(text)
        views = [folded]
        leet = unleet(folded)
        if leet is not None:
            views.append(leet)
        spans: dict[int, list[tuple[int, int]]] = {}
        for index in self._with_original:
            for literals, pattern in self.rules[index].on_original:
                if all(any(word in folded.text for word in group) for group in literals):
                    spans.setdefault(index, []).extend(match.span() for match in finditer_words(pattern, text))
        for view in views:
            present = hints_for(view.text)
            for entry in self._gates.candidates(present):
                index, hints, pattern = self._folded[entry]
                if all_found(hints, present):
                    found = [view.origin(*match.span()) for match in pattern.finditer(present)]
                    spans.setdefault(index, []).extend(found)
        findings: list[Finding] = []
        actions: list[Action] = []
        labels: dict[str, str] = {}
        for index in sorted(spans):
            rule = self.rules[index]
            for start, end in _merge(spans[index]):
                findings.append(Finding(rule.finding_type, start, end, 0.9))
                actions.append(rule.action)
                labels[rule.finding_type] = rule.label
        if not findings:
            return GuardResult(self.name, "allow", text, 0.0)
        redactable = [finding for finding in findings if labels[finding.type] and self._action(finding) == "redact"]
        return GuardResult(
            self.name,
            most_severe(actions),
            redact(text, redactable, labels),
            max(finding.score for finding in findings),
            tuple(sorted(findings, key=lambda finding: finding.start)),
        )

    def _action(self, finding: Finding) -> Action:
        return next(rule.action for rule in self.rules if rule.finding_type == finding.type)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One span per overlapping group: a phrase and a regex of one rule hitting the same words is one finding."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
