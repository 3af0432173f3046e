"""Undo the tricks that hide words from pattern matching, keeping a map back to the original.

Attackers write `ignоre` with a Cyrillic `о`, slip zero-width spaces into words, space
letters out (`i g n o r e`), swap letters for digits (`1gn0r3`) or wrap the instruction
in base64. Each function here returns a `View`: the de-obfuscated text plus, per
character, its offset in the original, so findings still point at the original text.
Plain-ASCII text (the common case) takes a fast path with no per-character work.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

# Latin look-alikes from Cyrillic, Greek and IPA blocks that NFKC leaves alone (a subset of
# Unicode's confusables.txt: the letters that actually occur in homoglyph attacks).
_LOOKALIKES: dict[str, str] = {
    "a": "аАαΑɑ",
    "b": "вВβΒ",
    "c": "сС",
    "d": "ԁ",
    "e": "еЕεΕ",
    "g": "ɡԌ",
    "h": "һнНΗ",
    "i": "іІιΙıɩ",
    "j": "јЈ",
    "k": "кКκΚ",
    "l": "ӏℓǀ",
    "m": "мМΜ",
    "n": "ΝՈ",
    "o": "оОοΟᴏ",
    "p": "рРρΡ",
    "q": "ԛ",
    "s": "ѕЅ",
    "t": "тТτΤ",
    "u": "υ",
    "v": "ν",
    "w": "ԝ",
    "x": "хХχΧ",
    "y": "уУΥ",
    "z": "Ζ",
}
CONFUSABLES: dict[str, str] = {glyph: letter for letter, glyphs in _LOOKALIKES.items() for glyph in glyphs}
# Typographic quotes, so `let’s` reads as `let's`: ordinary in pasted text, so not counted as obfuscation.
QUOTES: dict[str, str] = {quote: "'" for quote in "\u2018\u2019\u201b\u2032"} | {
    quote: '"' for quote in "\u201c\u201d\u201e"
}
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f")
# Letters NFKD does not split, read as the Latin letters they are written for (not obfuscation).
LETTERS: dict[str, str] = {"ı": "i", "ł": "l", "Ł": "l", "ß": "ss", "ø": "o", "Ø": "o", "æ": "ae", "œ": "oe", "đ": "d"}
# Unicode "tag" characters (U+E0020-U+E007E) mirror printable ASCII and render as nothing:
# text written in them is invisible to a reviewer but read by a model ("ASCII smuggling").
_TAG_FIRST, _TAG_LAST = 0xE0020, 0xE007E
LEET = str.maketrans("0134578@$!|", "oieastbasil")

_SEPARATORS = " ._*|/\\,+~-"
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][ \t._*|/\\,+~-]){1,}[a-z0-9](?![a-z0-9])")


def _shape_table(classes: dict[str, str]) -> bytes:
    """A `bytes.translate` table: each character of a class becomes its code letter, the rest a space."""
    table = bytearray(b" " * 256)
    for code, members in classes.items():
        for char in members:
            table[ord(char)] = ord(code)
    return bytes(table)


# The text's *shape*, one byte per character: letters `a`, leet digits `1`, separators `s`, base64
# alphabet `b` in the second table. `bytes.translate` and a substring test cost ~2 us on 2 KB, where
# a regex led by a character class costs ~12 us; prose almost never has the shapes looked for.
_LETTER_SHAPE = _shape_table({"a": "abcdefghijklmnopqrstuvwxyz", "1": "013457$", "s": _SEPARATORS})
_BASE64_SHAPE = _shape_table({"b": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-"})


@lru_cache(maxsize=32)
def _shape(text: str, table: bytes) -> bytes:
    return text.encode("ascii", "replace").translate(table)  # one byte per character: `?` for the rest


def has_run(text: str, length: int) -> bool:
    """Whether `text` has `length` base64-alphabet characters in a row (what keys and payloads need)."""
    return b"b" * length in _shape(text, _BASE64_SHAPE)


_LEET_HINT = re.compile(r"[a-z][013457$]+[a-z]")
_LEET_WORD = re.compile(r"[a-z0-9@$!|]*[0134578@$!|][a-z0-9@$!|]*")
_MIN_BASE64 = 16  # characters: 12 bytes decoded, shorter than any instruction worth hiding
_BASE64 = re.compile(rf"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{{{_MIN_BASE64},}}={{0,6}}(?![A-Za-z0-9+/=_-])")


@dataclass(frozen=True, slots=True)
class View:
    """A transformed text; `offsets[i]` is where character i came from (None: same as the original)."""

    text: str
    offsets: tuple[int, ...] | None = None

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of this view back to a span of the original text."""
        if self.offsets is None:
            return start, end
        if not self.offsets:
            return 0, 0
        last = len(self.offsets) - 1
        return self.offsets[min(start, last)], self.offsets[min(max(end - 1, start), last)] + 1


@dataclass(frozen=True, slots=True)
class FoldReport:
    """What `fold` had to undo: evidence of obfuscation in itself."""

    invisible: int = 0
    confusables: int = 0
    tags: int = 0


_WORD = re.compile(r"[^\W\d_]+")


def _disguised_words(text: str) -> list[tuple[int, int]]:
    """Spans of words written with look-alike letters: a Latin word with a Cyrillic `о` in it, or a
    word made only of look-alikes in mostly-Latin text. A Russian or Greek word is left alone."""
    letters = sum(char.isalpha() for char in text)
    latin_text = letters and sum(char.isascii() and char.isalpha() for char in text) * 2 >= letters
    spans = []
    for match in _WORD.finditer(text):
        word = match.group()
        if not any(char in CONFUSABLES for char in word):
            continue
        only_lookalikes = all(char.isascii() or char in CONFUSABLES for char in word)
        if any(char.isascii() for char in word) or (latin_text and only_lookalikes):
            spans.append(match.span())
    return spans


@lru_cache(maxsize=16)
def fold(text: str) -> tuple[View, FoldReport]:
    """Lower-case, drop invisible characters and accents, map homoglyphs and NFKC forms to ASCII.

    Look-alike letters are mapped only inside disguised words (see `_disguised_words`), so text in
    Cyrillic or Greek keeps its own letters and is not mistaken for obfuscation. Unicode tag
    characters are read as the ASCII they mirror. Cached: the guards of one pipeline fold the same text.
    """
    if text.isascii():
        return View(text.lower()), FoldReport()
    chars: list[str] = []
    offsets: list[int] = []
    invisible = confusables = tags = 0
    disguised = iter(_disguised_words(text))
    span = next(disguised, None)
    for index, char in enumerate(text):
        if char.isascii():
            chars.append(char.lower())
            offsets.append(index)
            continue
        while span is not None and span[1] <= index:
            span = next(disguised, None)
        if _TAG_FIRST <= ord(char) <= _TAG_LAST:
            tags += 1
            chars.append(chr(ord(char) - 0xE0000).lower())
            offsets.append(index)
            continue
        if char in INVISIBLE or unicodedata.category(char) == "Cf":
            invisible += 1
            continue
        if char in QUOTES or char in LETTERS:
            replacement = QUOTES.get(char) or LETTERS[char]
            chars.extend(replacement)
            offsets.extend([index] * len(replacement))
            continue
        if char in CONFUSABLES and span is not None and span[0] <= index:
            confusables += 1
            chars.append(CONFUSABLES[char])
            offsets.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(part):
                chars.append(part.lower())
                offsets.append(index)
    return View("".join(chars), tuple(offsets)), FoldReport(invisible, confusables, tags)


def _compose(view: View, new_text: str, new_offsets: list[int]) -> View:
    if view.offsets is None:
        return View(new_text, tuple(new_offsets))
    return View(new_text, tuple(view.offsets[offset] for offset in new_offsets))


def despace(view: View) -> View | None:
    """Join letters spaced out with separators (`i g n o r e` -> `ignore`); None when there are none."""
    if b"asasasa" not in _shape(view.text, _LETTER_SHAPE):  # four letters, each one separator apart
        return None
    chars: list[str] = []
    offsets: list[int] = []

    def put(char: str, offset: int) -> None:
        if not (char.isspace() and chars and chars[-1] == " "):  # runs of separators become one space
            chars.append(" " if char.isspace() else char)
            offsets.append(offset)

    cursor = 0
    for match in _SPACED.finditer(view.text):
        for index in range(cursor, match.start()):
            put(view.text[index], index)
        put(" ", match.start())
        for index in range(match.start(), match.end()):
            if view.text[index].isalnum():
                put(view.text[index], index)
        put(" ", match.end() - 1)
        cursor = match.end()
    for index in range(cursor, len(view.text)):
        put(view.text[index], index)
    return _compose(view, "".join(chars), offsets)


def unleet(view: View) -> View | None:
    """Read digits and symbols inside words as letters (`1gn0r3` -> `ignore`); same length, same offsets."""
    text = _unleet_text(view.text)
    return None if text is None else View(text, view.offsets)


@lru_cache(maxsize=16)
def _unleet_text(text: str) -> str | None:
    """Cached: the injection and policy guards of one pipeline both read the leet view."""
    if b"a1" not in _shape(text, _LETTER_SHAPE) or not _LEET_HINT.search(text):
        return None
    return _LEET_WORD.sub(_unleet_word, text)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    return word.translate(LEET) if len(word) <= 3 or any(char.isalpha() for char in word) else word


_HEX_RUN = re.compile(r"(?<![0-9A-Za-z])(?:[0-9a-fA-F]{2}){12,}(?![0-9A-Za-z])")
_BASE32 = re.compile(r"(?<![A-Za-z0-9])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9=])")
_PERCENT = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9._~!*'()+-]){3,}(?:%[0-9A-Fa-f]{2}[^\s%]*){3,}")


def _readable(raw: bytes, *, min_printable: float = 0.9) -> str | None:
    """`raw` as text when it reads as prose (or as base64 again, for nested encodings)."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not decoded:
        return None
    printable = sum(char.isprintable() or char.isspace() for char in decoded)
    readable = " " in decoded.strip() or _BASE64.fullmatch(decoded.strip()) is not None
    return decoded if printable / len(decoded) >= min_printable and readable else None


def decode_token(token: str) -> str | None:
    """The readable text a base64, base32 or hex token encodes, or None: a credential decodes to
    bytes or to one word, an encoded instruction to words with spaces between them."""
    stripped = token.rstrip("=")
    candidates: list[bytes] = []
    if _HEX_RUN.fullmatch(token):
        candidates.append(bytes.fromhex(token))
    if _BASE32.fullmatch(token):
        with suppress(binascii.Error, ValueError):
            candidates.append(base64.b32decode(stripped + "=" * (-len(stripped) % 8)))
    with suppress(binascii.Error, ValueError):
        padded = stripped + "=" * (-len(stripped) % 4)
        candidates.append(base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True))
    for raw in candidates:
        decoded = _readable(raw)
        if decoded is not None:
            return decoded
    return None


def decoded_base64(text: str, *, min_printable: float = 0.9) -> list[tuple[int, int, str]]:
    """Spans of `text` that are base64 (standard or URL-safe), base32 or hex of readable text, with the text."""
    found: list[tuple[int, int, str]] = []
    if not has_run(text, _MIN_BASE64):  # the common case: skip the regex
        return found
    for match in _BASE64.finditer(text):
        decoded = decode_token(match.group())
        if decoded is not None:
            found.append((match.start(), match.end(), decoded))
    return found


def decoded_percent(text: str) -> list[tuple[int, int, str]]:
    """Spans of percent-encoded text (`Ignore%20all%20previous...`) with the decoded text."""
    if text.count("%") < 3:
        return []
    found = []
    for match in _PERCENT.finditer(text):
        decoded = unquote(match.group())
        if " " in decoded.strip():
            found.append((match.start(), match.end(), decoded))
    return found
