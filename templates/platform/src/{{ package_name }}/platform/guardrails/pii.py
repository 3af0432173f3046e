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

PII_TYPES = ("email", "credit_card", "iban", "ssn", "ip_address", "phone")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\b")
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_SSN = re.compile(r"(?<![\d-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\d-])|(?<!\d)(\d{9})(?!\d)")
_SSN_CONTEXT = re.compile(r"ssn|social security|sozialversicherung|taxpayer", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}(?::|[0-9A-Fa-f]{1,4})(?![\w:])")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+|00)?(?:\(\d{1,4}\)[ .-]?)?\d[\d .()-]{5,18}\d(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w])"
)
_PHONE_CONTEXT = re.compile(r"phone|tel\b|call|mobile|cell|fax|whatsapp|sms|number|ring", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{4}")


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
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        yield Finding("email", match.start(), match.end(), 0.95)


def _cards(text: str) -> Iterable[Finding]:
    for match in _CARD.finditer(text):
        digits = match.group().replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and digits[0] in "2345689" and luhn_valid(digits):
            yield Finding("credit_card", match.start(), match.end(), 0.99)


def _ibans(text: str) -> Iterable[Finding]:
    for match in _IBAN.finditer(text):
        candidate = match.group()
        length = IBAN_LENGTHS.get(candidate[:2])
        if length is None:
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


def _ssns(text: str) -> Iterable[Finding]:
    for match in _SSN.finditer(text):
        if match.group(5):  # nine bare digits: only with an SSN word nearby
            bare = match.group(5)
            window = text[max(0, match.start() - 40) : match.start()]
            if _SSN_CONTEXT.search(window) and ssn_valid(bare[:3], bare[3:5], bare[5:]):
                yield Finding("ssn", match.start(), match.end(), 0.85)
        elif ssn_valid(match.group(1), match.group(3), match.group(4)):
            yield Finding("ssn", match.start(), match.end(), 0.9)


def _ips(text: str) -> Iterable[Finding]:
    for match in _IPV4.finditer(text):
        yield Finding("ip_address", match.start(), match.end(), 0.8)
    if "::" not in text and text.count(":") < 5:
        return
    for match in _IPV6.finditer(text):
        candidate = match.group()
        if sum(char not in ":" for char in candidate) < 3:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        yield Finding("ip_address", match.start(), match.end(), 0.8)


def _phones(text: str) -> Iterable[Finding]:
    for match in _PHONE.finditer(text):
        candidate = match.group()
        main = re.split(r"[ ]?(?:x|ext\.?)[ ]?", candidate)[0]
        digits = sum(char.isdigit() for char in main)
        if not 7 <= digits <= 15 or _DATE_LIKE.fullmatch(main) or _IPV4.fullmatch(main):
            continue
        groups = len(re.findall(r"\d+", main))
        international = main.startswith(("+", "00", "("))
        if international or groups >= 3 or (groups == 2 and digits >= 9):
            yield Finding("phone", match.start(), match.end(), 0.75)
        elif digits == 10 and _PHONE_CONTEXT.search(text[max(0, match.start() - 30) : match.start()]):
            yield Finding("phone", match.start(), match.end(), 0.6)


Detector = Callable[[str], Iterable[Finding]]

# Most certain first: a validated card is never re-read as a phone number.
DETECTORS: dict[str, Detector] = {
    "email": _emails,
    "credit_card": _cards,
    "iban": _ibans,
    "ssn": _ssns,
    "ip_address": _ips,
    "phone": _phones,
}


def find_pii(text: str, types: Iterable[str] = PII_TYPES) -> list[Finding]:
    """All PII findings in `text`, non-overlapping, in detector-confidence order."""
    claimed: list[Finding] = []
    for pii_type in types:
        for finding in DETECTORS[pii_type](text):
            if not any(finding.start < other.end and other.start < finding.end for other in claimed):
                claimed.append(finding)
    return claimed


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
        unknown = sorted(set(self.types) - set(DETECTORS))
        if unknown:
            raise ValueError(f"pii guard: unknown types {unknown}; known: {', '.join(DETECTORS)}")

    def scan(self, text: str, *, prompt: str | None = None) -> GuardResult:
        findings = find_pii(text, self.types)
        if prompt is not None and self.allow_echo:
            findings = [finding for finding in findings if text[finding.start : finding.end] not in prompt]
        return result_from_findings(self.name, text, findings, on_finding=self.action)
