"""Does a source span support a claim? A check a careful reviewer would accept, not word overlap alone.

Word overlap says a span is *about* the same thing; it cannot see that "need not retain the
notice" says the opposite of "must retain the notice". So besides coverage (the share of the
claim's content words found in the span) every claim must agree with its span on:

- polarity: a word negated in one ("not", "no", "never", "without") is negated in the other;
- modality: must / shall (obligation), must not / shall not / cannot (prohibition),
  may / can (permission), need not / not required (exemption) govern the same words;
- numbers and their bounds ("at least 8" is not "at most 8"), dates, amounts with currency;
- named parties: names and roles (licensee, supplier, ...) in the claim occur in the span,
  in the same order ("the licensor notifies the licensee" is not the other way round).

Each failed rule is a reason in the verdict, so a reviewer sees why a claim was not kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .platform.gateway.extractive import normalise

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)*|[.,;:!?()]")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "up",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
        "also",
        "any",
        "all",
        "each",
        "every",
        "other",
        "both",
        "either",
        "its",
        "per",
        "via",
    ]
)
# Modal phrases, longest first; each maps to the class it expresses. "not" inside them is not a negation cue.
_MODALS: tuple[tuple[str, str], ...] = (
    ("is not required to", "exemption"),
    ("are not required to", "exemption"),
    ("does not need to", "exemption"),
    ("do not need to", "exemption"),
    ("does not have to", "exemption"),
    ("do not have to", "exemption"),
    ("is not obliged to", "exemption"),
    ("are not obliged to", "exemption"),
    ("is not permitted to", "prohibition"),
    ("are not permitted to", "prohibition"),
    ("is not allowed to", "prohibition"),
    ("are not allowed to", "prohibition"),
    ("is prohibited from", "prohibition"),
    ("are prohibited from", "prohibition"),
    ("is required to", "obligation"),
    ("are required to", "obligation"),
    ("is obliged to", "obligation"),
    ("are obliged to", "obligation"),
    ("is permitted to", "permission"),
    ("are permitted to", "permission"),
    ("is allowed to", "permission"),
    ("are allowed to", "permission"),
    ("must not", "prohibition"),
    ("must never", "prohibition"),
    ("shall not", "prohibition"),
    ("shall never", "prohibition"),
    ("may not", "prohibition"),
    ("can not", "prohibition"),
    ("should not", "discouraged"),
    ("need not", "exemption"),
    ("needs not", "exemption"),
    ("has to", "obligation"),
    ("have to", "obligation"),
    ("needs to", "obligation"),
    ("need to", "obligation"),
    ("mustn't", "prohibition"),
    ("shan't", "prohibition"),
    ("cannot", "prohibition"),
    ("can't", "prohibition"),
    ("needn't", "exemption"),
    ("must", "obligation"),
    ("shall", "obligation"),
    ("should", "recommendation"),
    ("required", "obligation"),
    ("mandatory", "obligation"),
    ("optional", "exemption"),
    ("optionally", "permission"),
    ("may", "permission"),
    ("can", "permission"),
)
_MODAL_WORDS = frozenset(word for phrase, _ in _MODALS for word in phrase.split()) - {"not", "never"}
_NEGATIONS = frozenset({"not", "no", "never", "none", "nothing", "neither", "nor", "without", "n't", "cannot"})
_SCOPE_BREAK = frozenset({"and", "or", "but", "unless", "except", "although", "while", "whereas", "if", "when"})
_PUNCTUATION = frozenset(".,;:!?()")
# Words a negation or modal skips to reach the word it governs ("cannot currently be added").
_ADVERBS = frozenset(
    [
        "currently",
        "always",
        "only",
        "still",
        "then",
        "immediately",
        "automatically",
        "ever",
        "also",
        "yet",
        "further",
        "even",
    ]
)
_NUMBER_WORDS = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
    "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
    "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "ninety": "90", "hundred": "100",
}  # fmt: skip
_NUMBER_WORD = re.compile(r"\b(?:" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b")
_BOUNDS: tuple[tuple[str, str], ...] = (
    ("at least", "min"), ("no less than", "min"), ("not less than", "min"), ("no fewer than", "min"),
    ("minimum of", "min"), ("minimum", "min"), ("at most", "max"), ("no more than", "max"),
    ("not more than", "max"), ("up to", "max"), ("maximum of", "max"), ("maximum", "max"), ("within", "max"),
    ("not exceeding", "max"), ("more than", "gt"), ("greater than", "gt"), ("over", "gt"), ("above", "gt"),
    ("exceeding", "gt"), ("less than", "lt"), ("fewer than", "lt"), ("under", "lt"), ("below", "lt"),
)  # fmt: skip
_MONTHS = {
    name: index
    for index, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"),
         ("november", "nov"), ("december", "dec")],
        start=1,
    )
    for name in names
}  # fmt: skip
_CURRENCIES = {
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "€": "EUR", "usd": "USD", "$": "USD", "dollars": "USD",
    "dollar": "USD", "gbp": "GBP", "£": "GBP", "pounds": "GBP", "chf": "CHF", "jpy": "JPY", "¥": "JPY",
}  # fmt: skip
_AMOUNT = re.compile(
    r"(?P<pre>[€$£¥]|\b(?:EUR|USD|GBP|CHF|JPY)\b)\s?(?P<a>\d+(?:[.,]\d+)*)"
    r"|(?P<b>\d+(?:[.,]\d+)*)\s?(?P<post>[€$£¥]|\b(?:EUR|USD|GBP|CHF|JPY|euros?|dollars?|pounds)\b)",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?(?:,?\s+(\d{4}))?")
_MONTH_DAY = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?!\d)(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?")
ROLES = frozenset(
    [
        "customer",
        "client",
        "supplier",
        "vendor",
        "contractor",
        "subcontractor",
        "licensee",
        "licensor",
        "buyer",
        "seller",
        "provider",
        "user",
        "subscriber",
        "tenant",
        "landlord",
        "employer",
        "employee",
        "agency",
        "authority",
        "government",
        "owner",
        "operator",
        "processor",
        "controller",
        "recipient",
        "discloser",
        "purchaser",
        "bidder",
        "lessee",
        "lessor",
        "insurer",
        "insured",
        "partner",
        "reseller",
        "distributor",
        "administrator",
        "auditor",
    ]
)
_NOT_NAMES = frozenset({"i", "a", "an", "the", "this", "that", "these", "those", "it", "we", "you", "they"})
_NOT_A_NAME = _NOT_NAMES | _MONTHS.keys() | _CURRENCIES.keys() | _MODAL_WORDS | _STOP


@dataclass(frozen=True)
class SupportVerdict:
    """`supported` only when coverage is high enough and no rule found a contradiction."""

    supported: bool
    coverage: float
    reasons: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Token:
    word: str  # lowercased surface form
    stem: str
    index: int


def stem(word: str) -> str:
    """A small deterministic suffix stripper: `retains`, `retained`, `retaining` -> `retain`."""
    word = word.lower().strip("'")
    word = word.removesuffix("'s")
    if word.isdigit():
        return str(int(word))
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    return normalise(word, suffixes=("ing", "ed", "ment", "al"), min_stem=4)  # the local model's, stricter


def _tokens(text: str) -> list[_Token]:
    flat = text.replace("\u2019", "'")
    words = [match.group(0) for match in _WORD.finditer(flat)]
    out: list[_Token] = []
    for word in words:
        lower = word.lower()
        if lower.endswith("n't") and lower not in ("can't", "mustn't", "shan't", "needn't"):
            out.append(_Token(lower[:-3], stem(lower[:-3]), len(out)))
            out.append(_Token("n't", "n't", len(out)))
        else:
            out.append(_Token(lower, stem(lower), len(out)))
    return out


def content_stems(text: str) -> set[str]:
    """The claim words that must be found in a span (numbers included, stopwords and modals not)."""
    modal_words = _MODAL_WORDS
    return {
        token.stem
        for token in _tokens(text)
        if token.word not in _STOP
        and token.word not in modal_words
        and token.word not in _NEGATIONS
        and token.word not in _PUNCTUATION
    }


def _scopes(tokens: list[_Token]) -> tuple[dict[str, set[str]], dict[str, set[bool]]]:
    """Modal class and polarity of every content word.

    A modal phrase or a negation governs the next content word (skipping adverbs such as
    "currently"); punctuation and conjunctions end its reach. Other words are ("none", positive).
    """
    modality: dict[str, set[str]] = {}
    polarity: dict[str, set[bool]] = {}
    words = [token.word for token in tokens]
    index = 0
    pending_modal, negated = "none", False
    while index < len(tokens):
        for phrase, modal_class in _MODALS:
            parts = phrase.split()
            if words[index : index + len(parts)] == parts:
                pending_modal = modal_class
                index += len(parts)
                break
        else:
            token = tokens[index]
            if token.word in _NEGATIONS:
                negated = True
            elif token.word in _SCOPE_BREAK or token.word in _PUNCTUATION:
                pending_modal, negated = "none", False
            elif token.word not in _STOP and token.word not in _ADVERBS:
                modality.setdefault(token.stem, set()).add(pending_modal)
                polarity.setdefault(token.stem, set()).add(not negated)
                pending_modal, negated = "none", False
            index += 1
    return modality, polarity


def _numbers_with_bounds(text: str) -> set[tuple[str, str]]:
    """Each number with the bound written before it (`min`, `max`, `gt`, `lt`, or `eq`)."""
    for pattern in (_ISO_DATE, _DAY_MONTH, _MONTH_DAY):  # dates are compared as dates, not as numbers
        text = pattern.sub(lambda m: " " if _is_date(m) else m.group(0), text)
    lower = " ".join(text.lower().replace(",", "").split())
    lower = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(0)], lower)
    found: set[tuple[str, str]] = set()
    for match in re.finditer(r"(?<![\w.])(\d+(?:\.\d+)?)", lower):
        before = lower[max(0, match.start() - 24) : match.start()].rstrip(" $€£¥")
        before_words = before.split()
        bound = "eq"
        for phrase, kind in _BOUNDS:
            if before_words[-len(phrase.split()) :] == phrase.split():
                bound = kind
                break
        after = lower[match.end() : match.end() + 12]
        if re.match(r"\s*\w*\s*or (more|longer|greater|above)", after):
            bound = "min"
        elif re.match(r"\s*\w*\s*or (less|fewer|shorter|below)", after):
            bound = "max"
        number = match.group(1)
        found.add((str(int(number)) if number.isdigit() else number, bound))
    return found


def _is_date(match: re.Match[str]) -> bool:
    if match.re is _ISO_DATE:
        return True
    words = [group for group in match.groups() if group and not group.isdigit()]
    return any(word.lower().rstrip(".") in _MONTHS for word in words)


def _amounts(text: str) -> set[tuple[str, str]]:
    amounts = set()
    for match in _AMOUNT.finditer(text):
        currency = (match.group("pre") or match.group("post")).lower()
        number = (match.group("a") or match.group("b")).replace(",", "")
        amounts.add((_CURRENCIES.get(currency, currency.upper()), number))
    return amounts


def _dates(text: str) -> set[str]:
    dates = {f"{y}-{m}-{d}" for y, m, d in _ISO_DATE.findall(text)}
    for pattern, day_first in ((_DAY_MONTH, True), (_MONTH_DAY, False)):
        for match in pattern.finditer(text):
            day, month = (match.group(1), match.group(2)) if day_first else (match.group(2), match.group(1))
            month_number = _MONTHS.get(month.lower().rstrip("."))
            if month_number is None or not 1 <= int(day) <= 31:
                continue
            year = match.group(3) or "*"
            dates.add(f"{year}-{month_number:02d}-{int(day):02d}")
    return dates


def _months(text: str) -> set[int]:
    return {
        _MONTHS[word.lower()]
        for word in re.findall(r"[A-Za-z]+", text)
        if word.lower() in _MONTHS and (word.lower() != "may" or word[0].isupper())
    }


def _role(word: str) -> str | None:
    lower = word.lower()
    for candidate in (lower, lower.removesuffix("s"), lower.removesuffix("es")):
        if candidate in ROLES:
            return candidate
    return None


def parties(text: str) -> list[str]:
    """Names (capitalised words not opening a sentence) and role nouns, in the order they appear."""
    found: list[str] = []
    sentence_start = True
    for match in re.finditer(r"[A-Za-z][A-Za-z&'-]*|[.!?:;]", text):
        word = match.group(0)
        if word in ".!?:;":
            sentence_start = True
            continue
        lower = word.lower()
        role = _role(word)
        if role:
            found.append(role)
        elif word[0].isupper() and not sentence_start and lower not in _NOT_A_NAME:
            found.append(lower)
        sentence_start = False
    return found


def _opening_word(text: str) -> str | None:
    """The claim's first content word when it is capitalised: usually its subject."""
    for token in _tokens(text):
        if token.word in _STOP or token.word in _MODAL_WORDS or token.word in _PUNCTUATION:
            continue
        return token.stem if text.lstrip()[:1].isupper() else None
    return None


def _is_subsequence(wanted: list[str], available: list[str]) -> bool:
    iterator = iter(available)
    return all(item in iterator for item in wanted)


def check_support(claim: str, span: str, *, min_coverage: float = 0.75) -> SupportVerdict:
    """Verdict on whether `span` (a source sentence) supports `claim`; reasons name each failed rule."""
    reasons: list[str] = []
    wanted = content_stems(claim)
    if not wanted:
        return SupportVerdict(False, 0.0, ("the claim states nothing checkable",))
    available = content_stems(span)
    share = len(wanted & available) / len(wanted)
    if share < min_coverage:
        missing = ", ".join(sorted(wanted - available)[:6])
        reasons.append(f"coverage {share:.2f} < {min_coverage:.2f} (missing: {missing})")

    claim_modality, claim_polarity = _scopes(_tokens(claim))
    span_modality, span_polarity = _scopes(_tokens(span))
    for word in sorted(set(claim_modality) & set(span_modality)):
        if word.isdigit():
            continue
        if not claim_modality[word] & span_modality[word]:
            said, source = "/".join(sorted(claim_modality[word])), "/".join(sorted(span_modality[word]))
            reasons.append(f"modality: the claim says {said} for '{word}', the span says {source}")
        elif not claim_polarity[word] & span_polarity[word]:
            said = "negates" if False in claim_polarity[word] else "affirms"
            reasons.append(f"negation: the claim {said} '{word}', the span does the opposite")

    claim_numbers, span_numbers = _numbers_with_bounds(claim), _numbers_with_bounds(span)
    span_values = {number for number, _ in span_numbers}
    for number, bound in sorted(claim_numbers):
        if number not in span_values:
            reasons.append(f"number: {number} is not in the span")
        elif (number, bound) not in span_numbers:
            kinds = "/".join(sorted(kind for value, kind in span_numbers if value == number))
            reasons.append(f"number: the claim bounds {number} as {bound}, the span as {kinds}")
    for currency, number in sorted(_amounts(claim) - _amounts(span)):
        reasons.append(f"amount: {number} {currency} is not in the span")
    for date in sorted(_dates(claim)):
        if not any(_same_date(date, other) for other in _dates(span)):
            reasons.append(f"date: {date} is not in the span")
    for month in sorted(_months(claim) - _months(span)):
        reasons.append(f"date: month {month} is not in the span")

    claim_parties, span_parties = parties(claim), parties(span)
    missing_parties = [party for party in dict.fromkeys(claim_parties) if party not in span_parties]
    opening = _opening_word(claim)
    if opening and opening not in available and opening not in missing_parties:
        missing_parties.insert(0, opening)
    if missing_parties:
        reasons.append(f"party: {', '.join(missing_parties)} not named in the span")
    elif not _is_subsequence(claim_parties, span_parties):
        reasons.append(f"party: the claim names {' -> '.join(claim_parties)} in another order than the span")
    return SupportVerdict(not reasons, round(share, 3), tuple(reasons))


def _same_date(claimed: str, stated: str) -> bool:
    return all(a == b or "*" in (a, b) for a, b in zip(claimed.split("-"), stated.split("-"), strict=True))
