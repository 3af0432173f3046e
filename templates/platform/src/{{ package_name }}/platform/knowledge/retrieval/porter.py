"""The Porter stemmer exactly as SQLite FTS5's `porter` tokenizer applies it (ext/fts5/fts5_tokenize.c).

Why a port and not a library stemmer: the in-memory BM25 index (memory_index.py) must produce the
very terms FTS5 stored, or the two paths would match different chunks for one question. FTS5 runs the
original 1980 algorithm on the UTF-8 bytes of each folded token, skips tokens shorter than 3 or longer
than 64 bytes, and applies the first rule whose suffix matches even when its condition fails; this
module does the same, and the tests compare it with FTS5 itself word by word.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

MAX_TOKEN_BYTES = 64
_VOWELS = b"aeiou"
Condition = Callable[[bytes], bool] | None


def _is_consonant_run(word: bytes) -> list[bool]:
    """Per byte: consonant? `y` is a vowel when it follows a consonant (Porter's definition)."""
    consonant: list[bool] = []
    previous = False  # FTS5 starts as "after a vowel", so a leading y is a consonant
    for byte in word:
        is_vowel = byte in _VOWELS or (byte == ord("y") and previous)
        previous = not is_vowel
        consonant.append(previous)
    return consonant


def _measure(stem: bytes) -> int:
    """Porter's m: the number of vowel-consonant sequences in the stem."""
    consonant = _is_consonant_run(stem)
    return sum(1 for i in range(1, len(stem)) if consonant[i] and not consonant[i - 1])


def _m_gt0(stem: bytes) -> bool:
    return _measure(stem) > 0


def _m_gt1(stem: bytes) -> bool:
    return _measure(stem) > 1


def _m_eq1(stem: bytes) -> bool:
    return _measure(stem) == 1


def _has_vowel(stem: bytes) -> bool:
    """*v*: FTS5 counts `y` as a vowel anywhere but the first byte."""
    return any(byte in _VOWELS or (index > 0 and byte == ord("y")) for index, byte in enumerate(stem))


def _ends_cvc(stem: bytes) -> bool:
    """*o: consonant-vowel-consonant at the end, the last not w, x or y."""
    if len(stem) < 3 or stem[-1] in b"wxy":
        return False
    consonant = _is_consonant_run(stem)
    return consonant[-3] and not consonant[-2] and consonant[-1]


def _m_gt1_and_s_or_t(stem: bytes) -> bool:
    return bool(stem) and stem[-1] in b"st" and _m_gt1(stem)


Rule = tuple[bytes, Condition, bytes]
_STEP_1B: tuple[Rule, ...] = ((b"eed", _m_gt0, b"ee"), (b"ed", _has_vowel, b""), (b"ing", _has_vowel, b""))
_STEP_1B2: tuple[Rule, ...] = ((b"at", None, b"ate"), (b"bl", None, b"ble"), (b"iz", None, b"ize"))
_STEP_2: tuple[Rule, ...] = tuple(
    (suffix.encode(), _m_gt0, out.encode())
    for suffix, out in (
        ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
        ("logi", "log"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
        ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
        ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    )
)  # fmt: skip
_STEP_3: tuple[Rule, ...] = tuple(
    (suffix.encode(), _m_gt0, out.encode())
    for suffix, out in (
        ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""), ("ness", ""),
    )
)  # fmt: skip
_STEP_4: tuple[Rule, ...] = tuple(
    (suffix.encode(), _m_gt1_and_s_or_t if suffix == "ion" else _m_gt1, b"")
    for suffix in (
        "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism",
        "ate", "iti", "ous", "ive", "ize",
    )
)  # fmt: skip


def _apply(word: bytes, rules: tuple[Rule, ...]) -> tuple[bytes, bool]:
    """The first rule whose suffix matches decides, whether or not its condition holds (as in FTS5)."""
    for suffix, condition, replacement in rules:
        if len(word) > len(suffix) and word.endswith(suffix):
            stem = word[: -len(suffix)]
            if condition is not None and not condition(stem):
                return word, False
            return stem + replacement, True
    return word, False


def _step_1a(word: bytes) -> bytes:
    if not word.endswith(b"s"):
        return word
    if word.endswith(b"es"):
        if (len(word) > 4 and word.endswith(b"sses")) or (len(word) > 3 and word.endswith(b"ies")):
            return word[:-2]
        return word[:-1]
    return word if word.endswith(b"ss") else word[:-1]


@lru_cache(maxsize=200_000)
def stem(token: str) -> str:
    """The FTS5 porter stem of one already folded (lowercase, diacritic-free) token."""
    word = token.encode()
    if len(word) < 3 or len(word) > MAX_TOKEN_BYTES:
        return token
    word = _step_1a(word)
    word, matched = _apply(word, _STEP_1B)
    if matched:
        word, extended = _apply(word, _STEP_1B2)
        if not extended:
            last = word[-1:]
            if len(word) > 1 and last not in (b"a", b"e", b"i", b"o", b"u", b"l", b"s", b"z") and word[-2:-1] == last:
                word = word[:-1]
            elif _m_eq1(word) and _ends_cvc(word):
                word += b"e"
    if word.endswith(b"y") and _has_vowel(word[:-1]):
        word = word[:-1] + b"i"
    word, _ = _apply(word, _STEP_2)
    word, _ = _apply(word, _STEP_3)
    word, _ = _apply(word, _STEP_4)
    if word.endswith(b"e"):
        base = word[:-1]
        if _m_gt1(base) or (_m_eq1(base) and not _ends_cvc(base)):
            word = base
    if word.endswith(b"ll") and _m_gt1(word[:-1]):
        word = word[:-1]
    return word.decode("utf-8", errors="surrogateescape")
