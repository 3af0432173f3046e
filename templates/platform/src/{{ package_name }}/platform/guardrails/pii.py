"""PII guard: finds personal data and redacts it (`[EMAIL]`) or blocks the text.

Every detector is a regex that proposes candidates plus a validator that must agree
(Luhn for cards, mod-97 for IBANs, range rules for SSNs, `ipaddress` for IPs), so
order numbers and dates do not get redacted as cards or phones. Detectors run in
order of confidence and a span claimed by one is not re-claimed by the next.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .result import Action, Finding, GuardResult, result_from_findings

# IBAN length per country (SWIFT IBAN registry); the country code fixes the length.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

_IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# Patterns start with a literal or a character class (no look-behind) so `re` can use its
# fast prefix scan; boundaries are checked in Python. Numbers are found once as "numeric
# chunks" and classified (card, SSN, IP, phone) on the short chunk, not on the whole text.
_EMAIL_DOMAIN = re.compile(r"@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")
_NUMERIC = re.compile(r"[+(]?\d[\d .()/-]{5,30}\d")
_CARD = re.compile(r"\d(?:[ -]?\d){11,18}")
_SSN = re.compile(r"(\d{3})([- ])(\d{2})\2(\d{4})")
_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
_IPV6 = re.compile(r"[0-9A-Fa-f:]*:[0-9A-Fa-f]*:[0-9A-Fa-f:]*")
_BARE_SSN = re.compile(r"\d{9}")
_PHONE_EXTENSION = re.compile(r" ?(?:x|ext\.?) ?\d{1,5}\b")
_PHONE_CONTEXT = ("phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "number", "ring")
_SSN_CONTEXT = ("ssn", "social security", "taxpayer")
_DATE_LIKE = re.compile(r"\d{4}[-./ ]\d{1,2}[-./ ]\d{1,2}|\d{1,2}[-./ ]\d{1,2}[-./ ]\d{2,4}")
# An order or ticket number that leads with a date (2024-03-15-88231, 20240315/4471) is not a phone.
_DATE_PREFIX = re.compile(r"(?:19|20)\d\d([-./]?)(?:0[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01])[-./ ]\d")
_ISBN_CONTEXT = ("isbn",)
_VERSION_CONTEXT = ("version", "build", "release", "firmware", "kernel", "ver.", "v.")


def _isolated(text: str, start: int, end: int) -> bool:
    """No digit or letter glued to either side (so part of a longer token is not PII)."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or before in "-_") and not (after.isalnum() or after in "_")


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum every payment card number carries."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check: move the first four characters to the end, letters to numbers, mod 97 == 1."""
    rearranged = iban[4:] + iban[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """US SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _emails(text: str) -> Iterable[Finding]:
    position = text.find("@")
    while position != -1:
        match = _EMAIL_DOMAIN.match(text, position)
        start = position
        while start > 0 and position - start < 64 and text[start - 1] in _EMAIL_LOCAL:
            start -= 1
        while start < position and not text[start].isalnum():
            start += 1  # a local part starts with a letter or digit
        if match is not None and start < position and not _in_url(text, start):
            yield Finding("email", start, match.end(), 0.95)
        position = text.find("@", (match.end() if match else position) + 1)


def _in_url(text: str, start: int) -> bool:
    """A URL's `user:pass@host` part: `pass@host` is its credentials (the secrets guard's), not an e-mail."""
    token_start = start
    while token_start > 0 and start - token_start < 256 and not text[token_start - 1].isspace():
        token_start -= 1
    return "://" in text[token_start:start]


def _numbers(text: str) -> Iterable[Finding]:
    """Cards, SSNs, IPv4 addresses and phone numbers, classified on each numeric chunk."""
    context_lower = None
    for chunk_match in _NUMERIC.finditer(text):
        chunk, offset = chunk_match.group(), chunk_match.start()
        claimed: list[tuple[int, int]] = []
        for kind, pattern, score, valid in _NUMBER_KINDS:
            for match in pattern.finditer(chunk):
                start, end = offset + match.start(), offset + match.end()
                after_plus = start > 0 and text[start - 1] == "+"  # "+39 0721..." is a phone, not a card
                if (
                    _isolated(text, start, end)
                    and not after_plus
                    and valid(match)
                    and not _overlaps(claimed, start, end)
                ):
                    claimed.append((start, end))
                    yield Finding(kind, start, end, score)
        if claimed or _IPV4.fullmatch(chunk):
            continue
        if context_lower is None:
            context_lower = text.lower()
        yield from _phone(text, chunk_match, context_lower)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _phone(text: str, chunk_match: re.Match[str], lower: str) -> Iterable[Finding]:
    start, end = chunk_match.span()
    main = chunk_match.group().rstrip(" .-(/")
    end = start + len(main)
    extension = _PHONE_EXTENSION.match(text, end)
    if not _isolated(text, start, extension.end() if extension else end):
        return
    digits = sum(char.isdigit() for char in main)
    if not 7 <= digits <= 15 or _DATE_LIKE.fullmatch(main) or _SSN.fullmatch(main) or _DATE_PREFIX.match(main):
        return
    before = lower[max(0, start - 16) : start]
    if _isbn(main, before) or _version_number(main, before, lower[max(0, start - 30) : start]):
        return
    groups = len(re.findall(r"\d+", main))
    end = extension.end() if extension else end
    if main.startswith(("+", "00", "(")) or (groups >= 2 and digits >= 9):
        yield Finding("phone", start, end, 0.75)
    elif (
        groups == 1
        and (
            (main.startswith("0") and 10 <= digits <= 11)  # national trunk prefix: 0881 514532
            or (digits == 10 and any(word in lower[max(0, start - 30) : start] for word in _PHONE_CONTEXT))
        )
    ):
        yield Finding("phone", start, end, 0.6)


def _isbn(number: str, before: str) -> bool:
    """An ISBN: named as one, or 13 digits from the 978/979 book prefix with a valid check digit."""
    if any(word in before for word in _ISBN_CONTEXT):
        return True
    digits = [int(char) for char in number if char.isdigit()]
    if len(digits) != 13 or number[:3] not in ("978", "979"):
        return False
    return sum(digit * (3 if index % 2 else 1) for index, digit in enumerate(digits)) % 10 == 0


def _version_number(number: str, before: str, context: str) -> bool:
    """A dotted build or version number (10.0.19045.3693): dots only, and a group of one digit or of
    five and more, where phone numbers group evenly (415.555.0132, 01.23.45.67.89)."""
    if any(word in context for word in _PHONE_CONTEXT):
        return False
    if any(word in before for word in _VERSION_CONTEXT):
        return True
    groups = number.split(".")
    if len(groups) < 3 or not all(group.isdigit() for group in groups) or number.startswith("0"):
        return False
    return any(len(group) == 1 or len(group) >= 5 for group in groups)


def _card_valid(match: re.Match[str]) -> bool:
    """13-19 digits with a card-network first digit, or 12 for Maestro (5/6); Luhn either way."""
    digits = match.group().replace(" ", "").replace("-", "")
    allowed_first = "56" if len(digits) == 12 else "2345689"
    return digits[0] in allowed_first and luhn_valid(digits)


def _ssn_valid(match: re.Match[str]) -> bool:
    return ssn_valid(match.group(1), match.group(3), match.group(4))


_NUMBER_KINDS: tuple[tuple[str, re.Pattern[str], float, Callable[[re.Match[str]], bool]], ...] = (
    ("credit_card", _CARD, 0.99, _card_valid),
    ("ssn", _SSN, 0.9, _ssn_valid),
    ("ip_address", _IPV4, 0.8, lambda match: True),
)


def _ibans(text: str) -> Iterable[Finding]:
    for match in _IBAN.finditer(text):
        candidate = match.group()
        length = IBAN_LENGTHS.get(candidate[:2])
        if length is None or (match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] == "_")):
            continue
        # Take exactly `length` alphanumerics so a following word never joins the IBAN.
        taken, end = 0, 0
        for end, char in enumerate(candidate, start=1):  # noqa: B007 - `end` is used after the loop
            taken += char != " "
            if taken == length:
                break
        compact = candidate[:end].replace(" ", "")
        if len(compact) == length and iban_valid(compact):
            yield Finding("iban", match.start(), match.start() + end, 0.99)


def _bare_ssns(text: str) -> Iterable[Finding]:
    lower = text.lower()
    if not any(word in lower for word in _SSN_CONTEXT):
        return
    for match in _BARE_SSN.finditer(text):
        bare = match.group()
        window = lower[max(0, match.start() - 40) : match.start()]
        near_ssn_word = any(word in window for word in _SSN_CONTEXT)
        if near_ssn_word and _isolated(text, *match.span()) and ssn_valid(bare[:3], bare[3:5], bare[5:]):
            yield Finding("ssn", match.start(), match.end(), 0.85)


def _ipv6(text: str) -> Iterable[Finding]:
    if "::" not in text and text.count(":") < 5:
        return
    for match in _IPV6.finditer(text):
        candidate = match.group()
        if candidate.count(":") < 2 or sum(char != ":" for char in candidate) < 3:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        if _isolated(text, *match.span()):
            yield Finding("ip_address", match.start(), match.end(), 0.8)


Detector = Callable[[str], Iterable[Finding]]

# Most certain first: a validated IBAN is never re-read as a phone number.
DETECTORS: dict[str, Detector] = {
    "email": _emails,
    "iban": _ibans,
    "ssn": _bare_ssns,
    "ip_address": _ipv6,
    "numbers": _numbers,  # credit_card, ssn, ip_address (v4), phone
}
PII_TYPES = ("email", "credit_card", "iban", "ssn", "ip_address", "phone")


def find_pii(text: str, types: Iterable[str] = PII_TYPES) -> list[Finding]:
    """PII findings of the given types in `text`, non-overlapping, the most certain detector winning."""
    wanted = frozenset(types)
    claimed: list[Finding] = []
    for detector in DETECTORS.values():
        for finding in detector(text):
            if not any(finding.start < other.end and other.start < finding.end for other in claimed):
                claimed.append(finding)
    return [finding for finding in claimed if finding.type in wanted]


@dataclass(frozen=True, slots=True, kw_only=True)
class PiiGuard:
    """Redact (default) or block personal data.

    `allow_echo=True` lets an output repeat PII the user put in the prompt themselves
    (e.g. confirming their own email); off by default because an echo may still be a leak.
    """

    action: Action = "redact"
    types: tuple[str, ...] = PII_TYPES
    allow_echo: bool = False
    name: str = "pii"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.types) - set(PII_TYPES))
        if unknown:
            raise ValueError(f"pii guard: unknown types {unknown}; known: {', '.join(PII_TYPES)}")

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        findings = find_pii(text, self.types)
        if prompt is not None and self.allow_echo:
            findings = [finding for finding in findings if text[finding.start : finding.end] not in prompt]
        return result_from_findings(self.name, text, findings, on_finding=self.action)
