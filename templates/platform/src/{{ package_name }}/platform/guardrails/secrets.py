"""Secrets guard: credentials must never reach a model provider, a log or an answer.

Known token formats are matched by their fixed prefixes (cheap and near-certain);
`password=`-style assignments and long high-entropy strings catch the rest. We keep
our own patterns instead of calling detect-secrets at run time because its per-line
plugin loop costs milliseconds per request (see `benchmarks/results/guards.md`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .result import Action, Finding, GuardResult, result_from_findings

# type -> (pattern, score). Prefix-anchored formats publish their shape, so a match is near-certain.
TOKEN_PATTERNS: dict[str, tuple[re.Pattern[str], float]] = {
    "private_key": (
        re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----)?", re.S),
        0.99,
    ),
    "aws_access_key": (re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), 0.95),
    "github_token": (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"), 0.99),
    "slack_token": (re.compile(r"\bxox[abposr]-(?:\d+-)+[A-Za-z0-9-]{10,}\b"), 0.99),
    "slack_webhook": (re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}"), 0.99),
    "stripe_key": (re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"), 0.99),
    "openai_key": (re.compile(r"\bsk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{32,}\b"), 0.95),
    "google_api_key": (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 0.95),
    "jwt": (re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0.95),
    "url_credentials": (re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s:/@]{3,}@[^\s/]+"), 0.9),
}

# `password = "..."`, `api_key: ...`, `"client_secret": "..."`; the value is what gets redacted.
_ASSIGNMENT = re.compile(
    r"""(?ix)
    (?:password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key
       |auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key|credentials?)
    ["']?\s*(?::|=|:=|=>)\s*
    (?P<quote>["']?)(?P<value>[^\s"',;]{6,200})(?P=quote)
    """
)
_PLACEHOLDERS = frozenset(
    {"changeme", "change-me", "password", "secret", "example", "xxxxxx", "placeholder", "redacted", "none", "null"}
)
_CANDIDATE = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_WORDISH = re.compile(r"[A-Za-z]{6,}")


def shannon_entropy(value: str) -> float:
    """Bits per character; random base64 reaches ~5.5-6, English words ~3-4, hex tops out at 4."""
    counts = Counter(value)
    length = len(value)
    return -sum(count / length * math.log2(count / length) for count in counts.values())


def looks_random(value: str, *, base64_bits: float, hex_bits: float) -> bool:
    """High entropy, mixes character classes, and is not made of long dictionary-like runs."""
    if _UUID.fullmatch(value):
        return False  # identifiers, not credentials
    if _HEX.fullmatch(value):
        return len(value) >= 32 and shannon_entropy(value) >= hex_bits
    has_digit = any(char.isdigit() for char in value)
    has_upper = any(char.isupper() for char in value)
    has_lower = any(char.islower() for char in value)
    if not (has_digit and has_upper and has_lower):
        return False
    if sum(len(word) for word in _WORDISH.findall(value)) > len(value) / 2:
        return False  # camelCase identifiers and file names, not keys
    return shannon_entropy(value) >= base64_bits


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretsGuard:
    """Redact (default) or block credentials. Redaction keeps the request usable; the value never leaves."""

    action: Action = "redact"
    entropy: bool = True
    base64_bits: float = 4.3
    hex_bits: float = 3.3
    name: str = "secrets"

    def find(self, text: str) -> list[Finding]:
        findings: list[Finding] = []

        def claim(kind: str, start: int, end: int, score: float) -> None:
            if not any(start < other.end and other.start < end for other in findings):
                findings.append(Finding(kind, start, end, score))

        for kind, (pattern, score) in TOKEN_PATTERNS.items():
            for match in pattern.finditer(text):
                claim(kind, match.start(), match.end(), score)
        for match in _ASSIGNMENT.finditer(text):
            value = match.group("value")
            if value.lower() not in _PLACEHOLDERS and not value.startswith(("<", "${", "{{", "%(", "[")):
                claim("credential_assignment", match.start("value"), match.end("value"), 0.8)
        if self.entropy:
            for match in _CANDIDATE.finditer(text):
                if looks_random(match.group(), base64_bits=self.base64_bits, hex_bits=self.hex_bits):
                    claim("high_entropy_string", match.start(), match.end(), 0.7)
        return findings

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        return result_from_findings(self.name, text, self.find(text), on_finding=self.action)
