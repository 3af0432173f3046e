"""Regex helpers that keep scanning 2 KB of text in the tens of microseconds.

Python's `re` skips ahead quickly when a pattern starts with a literal or a character
class, but a leading `\\b` or look-behind forces it to try the whole pattern at every
position (~10x slower). So patterns are compiled without the leading `\\b`, and the
left word boundary is checked on each candidate match instead.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from re import _constants, _parser  # the stdlib regex parser (Python >= 3.11)


def compile_words(pattern: str, flags: int = re.MULTILINE) -> re.Pattern[str]:
    """Compile `pattern` for `finditer_words`: top-level leading `\\b`s removed, and each literal
    space outside a character class made to match any run of whitespace (`a\\n  b` reads as `a b`)."""
    if pattern.startswith("\\b"):
        pattern = pattern[2:]
    return re.compile(_flexible_spaces(pattern.replace("|\\b", "|")), flags)


def _flexible_spaces(pattern: str) -> str:
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == " " and not in_class:
            out.append(r"\s+")
            continue
        out.append(char)
    return "".join(out)


def _at_boundary(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())


def finditer_words(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """Matches of `pattern` that start at a word boundary."""
    position = 0
    while (match := pattern.search(text, position)) is not None:
        if _at_boundary(text, match.start()):
            yield match
            position = max(match.end(), match.start() + 1)
        else:
            position = match.start() + 1


def search_words(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of `pattern` that starts at a word boundary."""
    return next(finditer_words(pattern, text), None)


_TOKEN = re.compile(r"[a-z0-9']+")


class Hints:
    """Answers "does this text contain any of these hints?" at the cost of one tokenisation.

    A hint made of word characters is a token *prefix* (`refus` finds `refuses`); any other hint
    (`<|`, `act as`) is a substring. Exact tokens and absent 3-letter heads are C-level set
    operations and only the rest need a bisection, so gating ~40 regexes on ~400 hints costs
    tens of microseconds on 2 KB instead of the ~350 us of plain substring scans.
    """

    __slots__ = ("_memo", "_sorted", "heads", "text", "tokens")

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = frozenset(_TOKEN.findall(text))
        self.heads = frozenset(token[:3] for token in self.tokens)
        self._sorted: list[str] | None = None
        self._memo: dict[str, bool] = {}

    def has_prefix(self, prefix: str) -> bool:
        found = self._memo.get(prefix)
        if found is None:
            if self._sorted is None:
                self._sorted = sorted(self.tokens)
            index = bisect_left(self._sorted, prefix)
            found = index < len(self._sorted) and self._sorted[index].startswith(prefix)
            self._memo[prefix] = found
        return found


@lru_cache(maxsize=16)
def hints_for(text: str) -> Hints:
    """Shared per text, so the injection and policy guards tokenise a request once."""
    return Hints(text)


@dataclass(frozen=True, slots=True)
class HintGroup:
    """Any-of hints, pre-sorted by kind so the common case is a C-level set operation."""

    words: frozenset[str]
    heads: frozenset[str]  # first three letters of every word hint
    prefixes: tuple[str, ...]
    substrings: tuple[str, ...]

    @classmethod
    def of(cls, hints: tuple[str, ...]) -> HintGroup:
        word_like = tuple(hint for hint in hints if _TOKEN.fullmatch(hint))
        return cls(
            words=frozenset(word_like),
            heads=frozenset(hint[:3] for hint in word_like),
            prefixes=word_like,
            substrings=tuple(hint for hint in hints if not _TOKEN.fullmatch(hint)),
        )

    def found_in(self, hints: Hints) -> bool:
        if not self.words.isdisjoint(hints.tokens):
            return True
        if not self.heads.isdisjoint(hints.heads) or any(len(head) < 3 for head in self.heads):
            for prefix in self.prefixes:
                if (len(prefix) < 3 or prefix[:3] in hints.heads) and hints.has_prefix(prefix):
                    return True
        return any(substring in hints.text for substring in self.substrings)


def required_literals(pattern: str) -> tuple[tuple[str, ...], ...]:
    """Groups of literal words such that every match of `pattern` contains one word of each group.

    `\\b(?:make|build)\\W+(?:\\w+\\W+){0,4}?(?:bomb|explosives?)` gives (("make", "build"),
    ("bomb", "explosive")). A text missing any group cannot match, so the regex need not run:
    the guards use these as hints, derived from the pattern itself and therefore never wrong.
    Words are prefixes of what must occur, lower-cased; empty when nothing is certain.
    """
    try:
        items = list(_parser.parse(pattern))
    except re.error:
        return ()
    return tuple(group for group in _sequence_groups(items) if group and min(map(len, group)) >= 2)


def _sequence_groups(items: list) -> list[tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    index = 0
    while index < len(items):
        opcode, argument = items[index]
        if opcode is _constants.LITERAL and chr(argument).isalnum():
            run = ""
            while index < len(items) and items[index][0] is _constants.LITERAL and chr(items[index][1]).isalnum():
                run += chr(items[index][1])
                index += 1
            if index < len(items) and items[index][0] is _constants.BRANCH:  # re factors out common prefixes
                tails = _branch_literals(items[index][1][1], contiguous=True)
                groups.append(tuple(run + tail for tail in tails) if tails else (run,))
                index += 1
            else:
                groups.append((run,))
            continue
        if opcode is _constants.BRANCH:
            groups.append(_branch_literals(argument[1]))
        elif opcode is _constants.SUBPATTERN:
            groups.extend(_sequence_groups(list(argument[-1])))
        elif opcode in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and argument[0] >= 1:
            groups.extend(_sequence_groups(list(argument[2])))
        index += 1
    return [tuple(word.lower() for word in group) for group in groups]


def _branch_literals(branches: list, *, contiguous: bool = False) -> tuple[str, ...]:
    """The first required word of each alternative, or () if some alternative has none.

    `contiguous`: each alternative must *start* with its word (it continues a literal prefix).
    """
    words: list[str] = []
    for branch in branches:
        items = [item for item in branch if item[0] is not _constants.AT]
        if contiguous and not (items and items[0][0] is _constants.LITERAL and chr(items[0][1]).isalnum()):
            return ()
        groups = _sequence_groups(items)
        if not groups or not groups[0]:
            return ()
        words.extend(groups[0])
    return tuple(words)
