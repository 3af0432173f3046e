"""Regex helpers that keep the injection and policy guards at ~0.2 ms per 2 KB request.

Python's `re` skips ahead quickly when a pattern starts with a literal or a character
class, but a leading `\\b` or look-behind forces it to try the whole pattern at every
position (~10x slower). So patterns are compiled without the leading `\\b`, and the
left word boundary is checked on each candidate match instead.

Most guard patterns start with a 20-way alternation of verbs, which is slow to search for
even so. Instead, one trie-shaped regex (`VOCABULARY`) finds, in one C-level pass shared by
every guard of a pipeline, which hint words start a word of the text and where. A pattern
then runs only if its hint groups are all present (`all_found`), and only *at* the places
where one of its leading words starts (`WordPattern`): a few `match` calls instead of a scan.
Both shortcuts only skip work that could not match, so results equal a plain search.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
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
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == " " and not in_class:
            # `chat ?gpt`: the quantifier applies to the whole run of whitespace
            out.append(r"(?:\s+)" if pattern[index + 1 : index + 2] in ("?", "*", "{") else r"\s+")
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


class _Trie:
    """Hint words as one regex whose alternation branches on one character at a time.

    A flat alternation of ~800 words tries every word at every position; the trie form
    rejects a position after one character comparison, so the whole vocabulary costs one
    C-level pass over the text. The capture is the *longest* registered hint starting there.
    """

    @staticmethod
    def pattern(words: set[str]) -> str:
        root: dict = {}
        for word in words:
            node = root
            for char in word:
                node = node.setdefault(char, {})
            node[""] = {}
        return _Trie._emit(root)

    @staticmethod
    def _emit(node: dict) -> str:
        branches = [re.escape(char) + _Trie._emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body


class _Vocabulary:
    """Every hint word any guard registered, compiled into one scanner (rebuilt when words are added).

    One shared vocabulary means the injection and policy guards of a pipeline scan a text once.
    """

    def __init__(self) -> None:
        self.words: set[str] = set()
        self.version = 0
        self._lock = threading.Lock()  # guards may be built while another thread scans
        self._compiled: tuple[int, re.Pattern[str], dict[str, frozenset[str]]] | None = None
        self._extending: dict[frozenset[str], tuple[int, frozenset[str]]] = {}

    def add(self, words: frozenset[str]) -> None:
        if not words <= self.words:
            with self._lock:
                self.words = self.words | words
                self.version += 1

    def compiled(self) -> tuple[re.Pattern[str], dict[str, frozenset[str]]]:
        """The scanner, and per word every registered word that is a prefix of it (itself included)."""
        if self._compiled is None or self._compiled[0] != self.version:
            with self._lock:
                version, words = self.version, self.words
            # Led by a character class so `re` skips ahead in C; the hint itself is zero-width, so a
            # hint spanning several words ("you are about to") does not hide the word starts inside it.
            scanner = re.compile(r"[^a-z0-9](?=(" + (_Trie.pattern(words) if words else "(?!)") + "))")
            # The capture is the longest hint at a position: every shorter hint there is a prefix of it.
            closure = {word: frozenset(word[:size] for size in range(1, len(word) + 1)) & words for word in words}
            self._compiled = (version, scanner, closure)
        return self._compiled[1], self._compiled[2]

    def extending(self, leading: frozenset[str]) -> frozenset[str]:
        """Registered words that start with one of `leading` (what the scanner reports where they occur)."""
        _, closure = self.compiled()
        cached = self._extending.get(leading)
        if cached is None or cached[0] != self.version:
            cached = self._extending[leading] = (
                self.version,
                frozenset(word for word, prefixes in closure.items() if not prefixes.isdisjoint(leading)),
            )
        return cached[1]


VOCABULARY = _Vocabulary()


class Hints:
    """Which registered hint words start a word of this text, and where: one regex pass.

    Guards ask "does any of these words occur?" (a C-level set operation) before running a
    regex, and run the regex only at the positions where its leading word occurs.
    """

    __slots__ = ("_memo", "_positions", "_starts", "_words", "present", "text")

    def __init__(self, text: str) -> None:
        scanner, closure = VOCABULARY.compiled()
        self.text = text
        # `split` on the zero-width hint keeps everything in C: [gap, word, gap, word, ..., gap].
        # Each match consumes the one character before the word, hence the +1 per gap.
        parts = scanner.split(" " + text)
        self._words: list[str] = parts[1::2]
        self._starts = list(accumulate(map((1).__add__, map(len, parts[0:-1:2]))))  # word start + 1
        self.present: frozenset[str] = frozenset().union(*map(closure.__getitem__, set(self._words)))
        self._positions: dict[str, list[int]] | None = None
        self._memo: dict[str, bool] = {}

    def has_substring(self, substring: str) -> bool:
        found = self._memo.get(substring)
        if found is None:
            found = self._memo[substring] = substring in self.text
        return found

    def starts(self, leading: frozenset[str]) -> list[int]:
        """Sorted word-start positions where one of `leading` begins."""
        if leading.isdisjoint(self.present):
            return []
        if self._positions is None:
            self._positions = {}
            for word, start in zip(self._words, self._starts, strict=True):
                self._positions.setdefault(word, []).append(start - 1)
        found = VOCABULARY.extending(leading).intersection(self._positions)
        if len(found) == 1:
            return self._positions[next(iter(found))]
        return sorted(position for word in found for position in self._positions[word])


@lru_cache(maxsize=16)
def _hints(text: str, version: int) -> Hints:
    return Hints(text)


def hints_for(text: str) -> Hints:
    """Shared per text, so the guards of one pipeline scan a request once."""
    return _hints(text, VOCABULARY.version)


# A gate group holding one of these passes on nearly every text: dropping the group keeps the
# gate exact (it only gets looser) and keeps ~30 hits per 2 KB out of the shared scan.
_COMMON_WORDS = frozenset(
    ("the", "to", "of", "in", "for", "and", "with", "is", "are", "an", "so", "from", "what", "into", "im", "hi")
)


def _is_word_hint(hint: str) -> bool:
    return bool(hint) and hint[0].isascii() and hint[0].isalnum() and "'" not in hint


@dataclass(frozen=True, slots=True)
class HintGroup:
    """Any-of hints: words (and phrases) found at a word start, other strings anywhere.

    A hint with leading spaces (`" you "`) is looked up as the word it starts (`"you "`): looser,
    so a gate never refuses a text its regex would match.
    """

    words: frozenset[str]
    substrings: tuple[str, ...]
    always: bool = False  # holds a word nearly every text has: not worth scanning for

    @classmethod
    def of(cls, hints: tuple[str, ...]) -> HintGroup:
        stripped = tuple(hint.lstrip() or hint for hint in hints)
        words = frozenset(hint for hint in stripped if _is_word_hint(hint))
        if not words.isdisjoint(_COMMON_WORDS):
            return cls(words=frozenset(), substrings=(), always=True)
        VOCABULARY.add(words)
        return cls(words=words, substrings=tuple(hint for hint in stripped if not _is_word_hint(hint)))

    def found_in(self, hints: Hints) -> bool:
        if self.always or not self.words.isdisjoint(hints.present):
            return True
        return any(hints.has_substring(substring) for substring in self.substrings)


def all_found(groups: tuple[HintGroup, ...], hints: Hints) -> bool:
    """`all(group.found_in(hints) for group in groups)`, as one loop: it runs ~100 times per text."""
    present = hints.present
    for group in groups:
        if group.always or not group.words.isdisjoint(present):
            continue
        if not group.substrings or not any(hints.has_substring(substring) for substring in group.substrings):
            return False
    return True


class GateIndex:
    """Which of many hint-gated items may pass on a text: one dict lookup per hint word it holds.

    Checking every item's gate costs ~0.3 µs each, paid ~100 times per text by the guards even
    when nothing matches (the common case for a short question). Each item is filed under the
    words of one of its groups that is words only (one of them must start a word of the text
    for the gate to pass); items without such a group are always returned. The candidates
    still run their full gate: the index only skips items whose gate must fail.
    """

    __slots__ = ("_by_word", "_unindexed")

    def __init__(self, gates: Sequence[tuple[HintGroup, ...]]) -> None:
        self._by_word: dict[str, list[int]] = {}
        unindexed: list[int] = []
        for index, groups in enumerate(gates):
            keys = [group for group in groups if group.words and not group.substrings and not group.always]
            if not keys:
                unindexed.append(index)
                continue
            for word in min(keys, key=lambda group: len(group.words)).words:
                self._by_word.setdefault(word, []).append(index)
        self._unindexed = tuple(unindexed)

    def candidates(self, hints: Hints) -> list[int]:
        """Indexes of the items whose gate may pass, in their original order."""
        found = set(self._unindexed)
        by_word = self._by_word
        for word in hints.present:
            found.update(by_word.get(word, ()))
        return sorted(found)


@dataclass(frozen=True, slots=True)
class WordPattern:
    """A compiled pattern and, when derivable, the words every match starts with.

    With leading words the regex is only tried (`match`) where one of them starts a word,
    instead of searched for across the whole text: on 2 KB that is a few calls instead of a
    scan that tries a 20-way alternation at every letter.
    """

    pattern: re.Pattern[str]
    leading: frozenset[str] | None

    @classmethod
    def compile(cls, pattern: str) -> WordPattern:
        compiled = compile_words(pattern)
        leading = leading_literals(compiled.pattern)
        if leading is not None:
            VOCABULARY.add(leading)
        return cls(compiled, leading)

    def finditer(self, hints: Hints) -> Iterator[re.Match[str]]:
        """The same matches as `finditer_words(self.pattern, hints.text)`."""
        if self.leading is None:
            yield from finditer_words(self.pattern, hints.text)
            return
        text, end, match_at = hints.text, 0, self.pattern.match
        for start in hints.starts(self.leading):
            # The scanner put a non-[a-z0-9] character before `start`; `_at_boundary` also refuses
            # other alphanumerics there (`é`, `中`), as `finditer_words` does.
            if start < end or (start and text[start - 1].isalnum()):
                continue
            match = match_at(text, start)
            if match is not None:
                yield match
                end = max(match.end(), start + 1)


def leading_literals(pattern: str) -> frozenset[str] | None:
    """Words (lower-case prefixes) one of which every match of `pattern` starts with; None if unsure.

    `(?:make|build)\\W+bomb` gives {"make", "build"}; a pattern that may start with a space,
    a character class or an optional part gives None and is searched the ordinary way.
    """
    try:
        words = _leading(list(_parser.parse(pattern)))
    except re.error:
        return None
    return frozenset(word.lower() for word in words) if words else None


def _leading(items: list) -> tuple[str, ...] | None:
    index = 0
    while index < len(items) and items[index][0] is _constants.AT:
        index += 1
    if index == len(items):
        return None
    opcode, argument = items[index]
    if opcode is _constants.LITERAL and chr(argument).isascii() and chr(argument).isalnum():
        run = ""
        while (
            index < len(items)
            and items[index][0] is _constants.LITERAL
            and chr(items[index][1]).isascii()
            and chr(items[index][1]).isalnum()
        ):
            run += chr(items[index][1])
            index += 1
        if index < len(items) and items[index][0] is _constants.BRANCH:  # `re` factored out a common prefix
            tails = [
                _leading(list(branch)) if branch and branch[0][0] is _constants.LITERAL else None
                for branch in items[index][1][1]
            ]
            if all(tails):
                return tuple(run + tail for found in tails for tail in found)  # type: ignore[union-attr]
        return (run,)
    if opcode is _constants.BRANCH:
        words: list[str] = []
        for branch in argument[1]:
            found = _leading(list(branch))
            if not found:
                return None
            words.extend(found)
        return tuple(words)
    if opcode is _constants.SUBPATTERN:
        return _leading(list(argument[-1]))
    if opcode in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and argument[0] >= 1:
        return _leading(list(argument[2]))
    return None


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


def _sequence_groups(items: list, at_word_start: bool = True) -> list[tuple[str, ...]]:
    """Required literal groups of a sequence; a literal counts only where it must start a word.

    The guards look hints up at word starts, so `system[ _]?prompt` requires "system" but not
    "prompt" (`systemprompt` is one word). `at_word_start`: what precedes the sequence guarantees it.
    """
    groups: list[tuple[str, ...]] = []
    starts_word = at_word_start  # would an alphanumeric character here start a word?
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
                if starts_word:
                    groups.append(tuple(run + tail for tail in tails) if tails else (run,))
                index += 1
            elif starts_word:
                groups.append((run,))
            starts_word = False
            continue
        if opcode is _constants.BRANCH:
            groups.append(_branch_literals(argument[1], at_word_start=starts_word))
        elif opcode is _constants.SUBPATTERN:
            groups.extend(_sequence_groups(list(argument[-1]), starts_word))
        elif opcode in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and argument[0] >= 1:
            groups.extend(_sequence_groups(list(argument[2]), starts_word))
        starts_word = _ends_with_separator([items[index]], starts_word)
        index += 1
    return [tuple(word.lower() for word in group) for group in groups]


def _ends_with_separator(items: list, before: bool) -> bool:
    """Whether a sequence must end with a non-alphanumeric character (or a `\\b`); `before`: the
    answer for an empty sequence. Unsure counts as no, which only drops a hint."""
    if not items:
        return before
    opcode, argument = items[-1]
    if opcode is _constants.LITERAL:
        return not chr(argument).isalnum()
    if opcode is _constants.AT:
        return True
    if opcode is _constants.IN:
        return not _may_be_alphanumeric(argument)
    if opcode in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
        body = _ends_with_separator(list(argument[2]), before)
        return body if argument[0] >= 1 else body and before
    if opcode is _constants.SUBPATTERN:
        return _ends_with_separator(list(argument[-1]), before)
    if opcode is _constants.BRANCH:
        return all(_ends_with_separator(list(branch), before) for branch in argument[1])
    return False


def _may_be_alphanumeric(charset: list) -> bool:
    for opcode, argument in charset:
        if opcode is _constants.LITERAL and not chr(argument).isalnum():
            continue
        if opcode is _constants.CATEGORY and argument in (_constants.CATEGORY_NOT_WORD, _constants.CATEGORY_SPACE):
            continue
        return True
    return False


def _branch_literals(branches: list, *, contiguous: bool = False, at_word_start: bool = True) -> tuple[str, ...]:
    """The first required word of each alternative, or () if some alternative has none.

    `contiguous`: each alternative must *start* with its word (it continues a literal prefix).
    """
    words: list[str] = []
    for branch in branches:
        items = [item for item in branch if item[0] is not _constants.AT]
        if contiguous and not (items and items[0][0] is _constants.LITERAL and chr(items[0][1]).isalnum()):
            return ()
        groups = _sequence_groups(list(branch), at_word_start or len(items) < len(branch))
        if not groups or not groups[0]:
            return ()
        words.extend(groups[0])
    return tuple(words)
