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
from dataclasses import dataclass
from functools import lru_cache

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
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f")
LEET = str.maketrans("0134578@$!|", "oieastbasil")

_SPACED_HINT = re.compile(r"[a-z][ ._*|/\\,+~-][a-z][ ._*|/\\,+~-][a-z][ ._*|/\\,+~-][a-z]")
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][ \t._*|/\\,+~-]){1,}[a-z0-9](?![a-z0-9])")
_LEET_HINT = re.compile(r"[a-z][013457$]+[a-z]")
_LEET_WORD = re.compile(r"[a-z0-9@$!|]*[0134578@$!|][a-z0-9@$!|]*")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])")


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


@lru_cache(maxsize=16)
def fold(text: str) -> tuple[View, FoldReport]:
    """Lower-case, drop invisible characters and accents, map homoglyphs and NFKC forms to ASCII.

    Cached: the injection and policy guards of one pipeline fold the same text.
    """
    if text.isascii():
        return View(text.lower()), FoldReport()
    chars: list[str] = []
    offsets: list[int] = []
    invisible = confusables = 0
    for index, char in enumerate(text):
        if char.isascii():
            chars.append(char.lower())
            offsets.append(index)
            continue
        if char in INVISIBLE or unicodedata.category(char) == "Cf":
            invisible += 1
            continue
        if char in CONFUSABLES:
            confusables += 1
            chars.append(CONFUSABLES[char])
            offsets.append(index)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if not unicodedata.combining(part):
                chars.append(part.lower())
                offsets.append(index)
    return View("".join(chars), tuple(offsets)), FoldReport(invisible, confusables)


def _compose(view: View, new_text: str, new_offsets: list[int]) -> View:
    if view.offsets is None:
        return View(new_text, tuple(new_offsets))
    return View(new_text, tuple(view.offsets[offset] for offset in new_offsets))


def despace(view: View) -> View | None:
    """Join letters spaced out with separators (`i g n o r e` -> `ignore`); None when there are none."""
    if not _SPACED_HINT.search(view.text):
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
    if not _LEET_HINT.search(view.text):
        return None
    text = _LEET_WORD.sub(_unleet_word, view.text)
    return View(text, view.offsets)


def _unleet_word(match: re.Match[str]) -> str:
    word = match.group()
    return word.translate(LEET) if len(word) <= 3 or any(char.isalpha() for char in word) else word


def decoded_base64(text: str, *, min_printable: float = 0.9) -> list[tuple[int, int, str]]:
    """Spans of `text` that are base64 (standard or URL-safe) of readable text, with the decoded text."""
    found: list[tuple[int, int, str]] = []
    for match in _BASE64.finditer(text):
        token = match.group().rstrip("=")
        padded = token + "=" * (-len(token) % 4)
        try:
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        printable = sum(char.isprintable() or char.isspace() for char in decoded)
        readable = " " in decoded.strip() or _BASE64.fullmatch(decoded.strip()) is not None  # text, or base64 again
        if decoded and printable / len(decoded) >= min_printable and readable:
            found.append((match.start(), match.end(), decoded))
    return found
