"""Secrets guard: credentials must never reach a model provider, a log or an answer.

Known token formats are matched by their fixed prefixes (cheap and near-certain);
`password=`-style assignments and long high-entropy strings catch the rest. We keep
our own patterns instead of calling detect-secrets at run time because its per-line
plugin loop costs ~2 ms per 2 KB request, ~38x these patterns, and it misses several
formats here (measured by the template repository's `benchmarks/bench_guards.py`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from .obfuscation import decode_token, has_run
from .result import Action, Finding, GuardResult, result_from_findings

# type -> (literal hints, pattern, score). Prefix-anchored formats publish their shape, so a match
# is near-certain; the pattern only runs when one of its literal hints is in the text (a substring
# test costs ~1 us on 2 KB, a regex scan ~25 us).
TOKEN_PATTERNS: dict[str, tuple[tuple[str, ...], re.Pattern[str], float]] = {
    "private_key": (
        ("PRIVATE KEY",),
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----)?",
            re.S,
        ),
        0.99,
    ),
    "aws_access_key": (
        ("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA"),
        re.compile(r"(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
        0.95,
    ),
    "github_token": (
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{60,255})\b"),
        0.99,
    ),
    "slack_token": (("xox",), re.compile(r"xox[abposr]-(?:\d+-)+[A-Za-z0-9-]{10,}\b"), 0.99),
    "slack_webhook": (
        ("hooks.slack.com",),
        re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{20,}"),
        0.99,
    ),
    "stripe_key": (("_live_", "_test_"), re.compile(r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b"), 0.99),
    "openai_key": (
        ("sk-",),
        re.compile(r"sk-(?:proj-|svcacct-|admin-|ant-(?:api|admin)\d\d-)?[A-Za-z0-9_-]{32,}\b"),
        0.95,
    ),
    "google_api_key": (("AIza",), re.compile(r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), 0.95),
    "jwt": (("eyJ",), re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), 0.95),
    "url_credentials": (("://",), re.compile(r"[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s:/@]{3,}@[^\s/]+"), 0.9),
}
_ASSIGNMENT_HINTS = ("pass", "pwd", "secret", "key", "token", "credential")

# `password = "..."`, `api_key: ...`, `"client_secret": "..."`; the value is what gets redacted.
# Matched on the lower-cased text: a case-sensitive alternation scans ~10x faster than (?i).
_ASSIGNMENT = re.compile(
    r"""(?x)
    (?:password|passwd|pwd|passphrase|secret|client_secret|api[_-]?key|apikey|access[_-]?key|secret[_-]?key
       |auth[_-]?token|access[_-]?token|refresh[_-]?token|token|private[_-]?key|credentials?)
    ["']?\s*(?::|=|:=|=>)\s*
    (?P<quote>["']?)(?P<value>[^\s"',;]{6,200})(?P=quote)
    """
)
_ASSIGNMENT_ANY_CASE = re.compile(_ASSIGNMENT.pattern, re.IGNORECASE | re.VERBOSE)
_PLACEHOLDERS = frozenset(
    {"changeme", "change-me", "password", "secret", "example", "xxxxxx", "placeholder", "redacted", "none", "null"}
)
_MIN_CANDIDATE = 20
_CANDIDATE = re.compile(rf"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{{{_MIN_CANDIDATE},}}={{0,6}}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"[0-9a-fA-F]+")
_DIGEST_CONTEXT = re.compile(r"(?i)commit|sha-?(?:1|256|512)?\b|hash|checksum|digest|md5")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def _credential_like(value: str) -> bool:
    """A real value, not a placeholder or a prose word (`password: please reset it` is not a password)."""
    if value.lower() in _PLACEHOLDERS or value.startswith(("<", "${", "{{", "%(", "[")):
        return False
    mixed_case = any(char.isupper() for char in value) and any(char.islower() for char in value)
    return mixed_case or len(value) >= 12 or not value.isalpha()


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
    letters = [char for char in value if char.isalpha()]
    switches = sum(a.isupper() != b.isupper() for a, b in zip(letters, letters[1:], strict=False))
    if switches < 0.25 * len(letters):
        return False  # camelCase identifiers and file names switch case once per word; random keys ~every other letter
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

        for kind, (hints, pattern, score) in TOKEN_PATTERNS.items():
            if any(hint in text for hint in hints):
                for match in pattern.finditer(text):
                    claim(kind, match.start(), match.end(), score)
        lower = text.lower()
        if ("=" in text or ":" in text) and any(hint in lower for hint in _ASSIGNMENT_HINTS):
            # lower() keeps offsets for ASCII; other text keeps its case and uses the (slower) ignore-case pattern.
            assignments = _ASSIGNMENT.finditer(lower) if text.isascii() else _ASSIGNMENT_ANY_CASE.finditer(text)
            for match in assignments:
                value = text[match.start("value") : match.end("value")]
                if _credential_like(value):
                    claim("credential_assignment", match.start("value"), match.end("value"), 0.8)
        if self.entropy and has_run(text, _MIN_CANDIDATE):
            for match in _CANDIDATE.finditer(text):
                if _DIGEST_CONTEXT.search(text, max(0, match.start() - 24), match.start()):
                    continue  # a commit id or checksum is meant to be shared
                if not looks_random(match.group(), base64_bits=self.base64_bits, hex_bits=self.hex_bits):
                    continue
                decoded = decode_token(match.group())
                if decoded is None:
                    claim("high_entropy_string", match.start(), match.end(), 0.7)
                elif self.find(decoded):
                    claim("encoded_secret", match.start(), match.end(), 0.8)
                # Else it is encoded prose, not a credential: left for the injection guard to read,
                # whichever of the two runs first (redacting it would hide an encoded attack).
        return findings

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        return result_from_findings(self.name, text, self.find(text), on_finding=self.action)
