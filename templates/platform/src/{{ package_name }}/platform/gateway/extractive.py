"""Extractive answering: the offline "model" every project starts with.

It lets a freshly generated project run, demo and pass its evals with no network
and no weights, and it behaves like a well-governed model should: it only says what
a cited source says, and says "I don't know" otherwise.

Prompt contract (patterns rely on it):
- evidence is lines/blocks starting with a source tag, `[S1] text ...`; a block runs
  until a blank line, the next tag or the question line;
- the question is a line beginning `Question:`.
The answer is the best 1-3 source sentences by token overlap with the question, each
followed by its tag: `Refunds are issued within 14 days [S2].`
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

IDK_ANSWER = "I don't know based on the provided sources."
MIN_COVERAGE = 1 / 3
MAX_SENTENCES = 3

_TAG_LINE = re.compile(r"^\s*\[([A-Za-z0-9_\-:.]+)\]\s*(.*)$")
_QUESTION_LINE = re.compile(r"^\s*question:\s*(.*)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9]+")

_STOPWORD_TEXT = """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would
    you your yours yourself yourselves tell please many much may might must shall also
    get gets got long take takes need needs know happen happens
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Source:
    """One tagged evidence block from the prompt."""

    tag: str
    text: str


@dataclass(frozen=True)
class ParsedPrompt:
    """What the local model understood from a prompt."""

    sources: tuple[Source, ...]
    question: str


def normalise(word: str) -> str:
    """Tiny suffix stripper so `refunds`, `refunded` and `refund` match; deterministic, no data."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    """Lowercase content words, stopwords removed, normalised; shared by answers and embeddings."""
    return [normalise(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def split_sentences(text: str) -> list[str]:
    """Split on sentence-ending punctuation; good enough for policy and FAQ style text."""
    flat = " ".join(text.split())
    return [sentence for sentence in _SENTENCE_END.split(flat) if sentence]


def parse_prompt(texts: Iterable[str]) -> ParsedPrompt:
    """Find tagged sources and the question line; untagged leftovers become the question if none."""
    sources: list[Source] = []
    leftovers: list[str] = []
    question = ""
    current: tuple[str, list[str]] | None = None

    def close() -> None:
        nonlocal current
        if current is not None and " ".join(current[1]).strip():
            sources.append(Source(current[0], " ".join(current[1]).strip()))
        current = None

    for line in "\n".join(texts).splitlines():
        if match := _QUESTION_LINE.match(line):
            close()
            question = match.group(1).strip()
        elif match := _TAG_LINE.match(line):
            close()
            current = (match.group(1), [match.group(2)])
        elif not line.strip():
            close()
        elif current is not None:
            current[1].append(line.strip())
        else:
            leftovers.append(line.strip())
    close()
    if not question and sources:
        question = " ".join(leftovers)
    return ParsedPrompt(tuple(sources), question)


def cite(sentence: str, tag: str) -> str:
    """Put the tag before the final punctuation: `... 14 days [S2].`"""
    sentence = sentence.strip()
    if sentence and sentence[-1] in ".!?":
        return f"{sentence[:-1]} [{tag}]{sentence[-1]}"
    return f"{sentence} [{tag}]."


def answer_extractively(
    sources: Sequence[Source],
    question: str,
    *,
    min_coverage: float = MIN_COVERAGE,
    max_chars: int | None = None,
) -> str:
    """Best 1-3 cited sentences, or `IDK_ANSWER` when none covers enough of the question.

    A sentence qualifies when it shares more than `min_coverage` (a third) of the
    question's content words; extra sentences must also reach half the best overlap.
    Question fillers ("how long does it take") are stopwords, so they do not dilute it.
    Ties go to the shorter sentence, then to source order, so output is stable.
    `max_chars` drops whole extra sentences first, so citations are never cut off.
    """
    wanted = set(tokenize(question))
    if not wanted:
        return IDK_ANSWER
    scored: list[tuple[int, int, int, str, str]] = []
    seen: set[str] = set()
    for source in sources:
        for sentence in split_sentences(source.text):
            tokens = tokenize(sentence)
            overlap = len(wanted.intersection(tokens))
            if overlap / len(wanted) > min_coverage and sentence not in seen:
                seen.add(sentence)
                scored.append((-overlap, len(tokens), len(scored), sentence, source.tag))
    if not scored:
        return IDK_ANSWER
    scored.sort()
    best_overlap = -scored[0][0]
    cited = [cite(item[3], item[4]) for item in scored if -item[0] * 2 >= best_overlap]
    answer = cited[0]
    for extra in cited[1:MAX_SENTENCES]:
        if max_chars is not None and len(answer) + 1 + len(extra) > max_chars:
            break
        answer = f"{answer} {extra}"
    return answer if max_chars is None else answer[:max_chars]
