"""Extractive answering: the offline "model" every project starts with.

It lets a freshly generated project run, demo and pass its evals with no network
and no weights, and it behaves like a well-governed model should: it only says what
a cited source says, and says "I don't know" otherwise.

It reads the platform's evidence prompt (`evidence_prompt.py`, which patterns write with
`evidence_message`): tagged blocks `[S1] text ...`, each line of a block ending a sentence, and a
`Question:` line. The answer is 1-3 source sentences that support the question, in source order, each
followed by its tag: `Refunds are issued within 14 days [S2].` Sentences are quoted as
written (code such as `a[i:j]` included); support is word overlap weighted by how specific a
word is among the sources (generic words such as "new" or "receive" count for nothing), plus
semantic similarity when an embedder is given.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .evidence_prompt import DONT_KNOW, QUESTION_LINE, TAG_LINE

IDK_ANSWER = DONT_KNOW
MIN_COVERAGE = 1 / 3
MAX_SENTENCES = 3
SEMANTIC_WEIGHT = 0.5
# Sources come best first (retrieval order): a small prior for earlier sources breaks near-ties.
SOURCE_ORDER_WEIGHT = 0.1
# With an embedder, a sentence must also be this similar to the question (cosine) to support it; one
# sharing only a fifth of the question's words qualifies when it is as similar as a close paraphrase.
MIN_SIMILARITY = 0.25
PARAPHRASE_SIMILARITY = 0.45
PARAPHRASE_COVERAGE = 1 / 5

# texts -> one unit-length vector per text (cosine = dot product); optional.
Embedder = Callable[[Sequence[str]], Sequence[Sequence[float]]]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# A line that starts something of its own: table row, bullet, numbered item, doctest prompt, `name : type`.
_LINE_START = re.compile(r"^(\||[-*+] |\d+[.)] |>>>|\.\.\. |[\w.,* ]{1,40} : )")
WRAPPED_LINE_CHARS = 50
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
# Words a question and an unrelated sentence share all the time: never evidence of support on their own.
_GENERIC_TEXT = """new old receive received use used using make made give given way thing things want wants
    like one two first good well able see seen also said say says"""
# A period after these does not end a sentence ("e.g. the", "Dr. Smith"); "etc." ends one before a capital.
ABBREVIATIONS = frozenset(
    (
        *("e.g", "i.e", "cf", "vs", "al", "approx", "fig", "figs", "no", "nos", "dr", "mr", "mrs", "ms", "prof"),
        *("st", "jr", "sr", "inc", "ltd", "co", "resp", "incl", "eq", "eqs", "sec", "ch", "p", "pp"),
    )
)


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


def normalise(word: str, *, suffixes: tuple[str, ...] = ("ing", "ed"), min_stem: int = 3) -> str:
    """Tiny suffix stripper so `refunds`, `refunded` and `refund` match; deterministic, no data.

    The first of `suffixes` the word ends with goes when `min_stem` letters stay (a doubled final
    consonant left behind goes too: `planned` -> `plan`); then a plural `s` and a final `e`.
    """
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    for suffix in suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_stem:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


GENERIC_WORDS = frozenset(normalise(word) for word in _GENERIC_TEXT.split())


def tokenize(text: str) -> list[str]:
    """Lowercase content words, stopwords removed, normalised; shared by answers and embeddings."""
    return [normalise(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS]


def split_sentences(text: str) -> list[str]:
    """Sentences of a text, knowing abbreviations: no split after "e.g.", "i.e.", "Dr." or an ellipsis,
    nor before a lowercase word ("etc. and", "a op1 b ... c"). A line break ends a sentence unless it
    only wraps prose (see `_lines`): a table row, list item or `name : type` line stays its own."""
    sentences: list[str] = []
    for line in _lines(text):
        flat = " ".join(line.split())
        start = 0
        for match in _SENTENCE_END.finditer(flat):
            before = flat[start : match.start()]
            following = flat[match.end() : match.end() + 1]
            if _continues(before, following):
                continue
            sentences.append(flat[start : match.start()])
            start = match.end()
        if flat[start:]:
            sentences.append(flat[start:])
    return [sentence for sentence in sentences if sentence]


def _lines(text: str) -> list[str]:
    """Lines with hard-wrapped prose joined back: a long line that does not end a clause continues on the
    next line unless that one starts something of its own (a table row, list item, prompt or heading)."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            continue
        if lines and _wraps(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _wraps(previous: str, line: str) -> bool:
    last_line = previous.rsplit("\n", 1)[-1]
    return (
        len(last_line) >= WRAPPED_LINE_CHARS
        and not last_line.endswith((".", "!", "?", ":", ";", "|"))
        and not _LINE_START.match(line)
    )


def _continues(before: str, following: str) -> bool:
    """True when the punctuation ending `before` does not end a sentence."""
    if not following or following.islower() or before.endswith(".."):
        return True
    last = before.rsplit(" ", 1)[-1].lower().rstrip(".!?").lstrip("([\"'")
    return last in ABBREVIATIONS or (len(last) == 1 and last.isalpha() and before.endswith("."))


def parse_prompt(texts: Iterable[str]) -> ParsedPrompt:
    """Find tagged sources and the question line; untagged leftovers become the question if none."""
    sources: list[Source] = []
    leftovers: list[str] = []
    question = ""
    current: tuple[str, list[str]] | None = None

    def close() -> None:
        nonlocal current
        if current is not None and " ".join(current[1]).strip():
            sources.append(Source(current[0], "\n".join(line for line in current[1] if line).strip()))
        current = None

    for line in "\n".join(texts).splitlines():
        if match := QUESTION_LINE.match(line):
            close()
            question = match.group(1).strip()
        elif match := TAG_LINE.match(line):
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
    embed: Embedder | None = None,
) -> str:
    """1-3 cited sentences that support the question, in source order, or `IDK_ANSWER`.

    A sentence qualifies when it shares more than `min_coverage` (a third) of the
    question's content words, generic words aside; with `embed`, it must also be
    MIN_SIMILARITY similar to the question, or share a fifth and be PARAPHRASE_SIMILARITY
    similar (a close paraphrase). Qualifying sentences are ranked by
    support: the share of the question's words they cover, each word weighted by how few
    source sentences contain it (a word in every sentence says nothing), plus
    SEMANTIC_WEIGHT x the cosine similarity of the sentence and the question when `embed`
    is given, plus a small prior for earlier sources (they come best first). Sentences
    reaching half the best support are kept, best 3, printed in source order. Question
    fillers ("how long does it take") are stopwords, so they do not dilute it. `max_chars`
    drops whole sentences first, so citations are never cut off.
    """
    wanted = set(tokenize(question)) - GENERIC_WORDS
    if not wanted:
        return IDK_ANSWER
    candidates: list[tuple[int, str, str, set[str]]] = []
    prior: dict[int, float] = {}  # position -> the source-order prior of its source
    seen: set[str] = set()
    for rank, source in enumerate(sources):
        for sentence in split_sentences(source.text):
            if sentence not in seen:
                seen.add(sentence)
                prior[len(candidates)] = SOURCE_ORDER_WEIGHT / (1 + rank)
                candidates.append((len(candidates), sentence, source.tag, set(tokenize(sentence))))
    frequency = Counter(word for *_, tokens in candidates for word in tokens & wanted)
    weight = {word: math.log(1 + (len(candidates) + 1) / (1 + frequency[word])) for word in wanted}
    total = sum(weight.values())
    if embed is None:
        qualified = [(item, 0.0) for item in candidates if len(wanted & item[3]) / len(wanted) > min_coverage]
    else:
        overlapping = [item for item in candidates if wanted & item[3]]
        similarity = _similarities(embed, question, [item[1] for item in overlapping])
        qualified = [
            (item, cosine)
            for item, cosine in zip(overlapping, similarity, strict=True)
            if _supports(len(wanted & item[3]) / len(wanted), cosine, min_coverage)
        ]
    if not qualified:
        return IDK_ANSWER
    scored = []
    for (position, sentence, tag, tokens), cosine in qualified:
        support = sum(weight[word] for word in wanted & tokens) / total + SEMANTIC_WEIGHT * cosine + prior[position]
        scored.append((-support, len(tokens), position, sentence, tag))
    scored.sort()
    best = -scored[0][0]
    chosen = [item for item in scored if -item[0] * 2 >= best][:MAX_SENTENCES]
    kept = [chosen[0]]
    length = len(cite(chosen[0][3], chosen[0][4]))
    for item in chosen[1:]:
        extra = len(cite(item[3], item[4])) + 1
        if max_chars is not None and length + extra > max_chars:
            break
        kept.append(item)
        length += extra
    answer = " ".join(cite(item[3], item[4]) for item in sorted(kept, key=lambda item: item[2]))
    return answer if max_chars is None else answer[:max_chars]


def _supports(coverage: float, cosine: float, min_coverage: float) -> bool:
    return (coverage > min_coverage and cosine >= MIN_SIMILARITY) or (
        coverage >= PARAPHRASE_COVERAGE and cosine >= PARAPHRASE_SIMILARITY
    )


def _similarities(embed: Embedder | None, question: str, sentences: list[str]) -> list[float]:
    if embed is None:
        return [0.0] * len(sentences)
    vectors = embed([question, *sentences])
    query = vectors[0]
    return [max(0.0, float(sum(a * b for a, b in zip(query, vector, strict=False)))) for vector in vectors[1:]]
