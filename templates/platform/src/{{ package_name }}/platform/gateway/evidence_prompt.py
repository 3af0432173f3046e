"""The evidence prompt: how every pattern hands sources and a question to a model.

The platform owns this format; patterns write it with `evidence_message` and every provider
reads the same text (the local extractive model parses it with `parse_prompt`):

    [S1] Refunds are issued within 14 days.
      A continuation line of the same source is indented.

    [S2] ...

    Question: How long do refunds take?

A block starts with a tag at the start of a line and runs until a blank line, the next tag or
the question line. Continuation lines are indented, so text inside a source can never start a
line of its own (a forged `[S9]` source or `Question:` line). A model that finds no support
answers with `DONT_KNOW` (any reply starting "I don't know" counts, see `says_dont_know`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

DONT_KNOW = "I don't know based on the provided sources."
TAG_LINE = re.compile(r"^\[([A-Za-z0-9_\-:.]+)\]\s*(.*)$")
QUESTION_LINE = re.compile(r"^question:\s*(.*)$", re.IGNORECASE)
_DONT_KNOW_PREFIXES = ("i don't know", "i do not know")


def evidence_block(tag: str, text: str) -> str:
    """`[tag] first line` with every further non-empty line indented by two spaces."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return f"[{tag}] " + "\n  ".join(line for line in lines if line)


def evidence_context(sources: Iterable[tuple[str, str]], *, heading: str = "") -> str:
    """The sources part of the user turn: an optional heading, then one block per `(tag, text)`."""
    body = "\n\n".join(evidence_block(tag, text) for tag, text in sources)
    return f"{heading}\n\n{body}" if heading else body


def question_line(question: str) -> str:
    """The last line of the user turn. Passed alone as `user` (the sources as `context`), the input
    guards judge what was asked, not documents the caller already screened with `scan_context`."""
    return f"Question: {' '.join(question.split())}"


def evidence_message(sources: Iterable[tuple[str, str]], question: str, *, heading: str = "") -> str:
    """The whole user turn: `evidence_context`, a blank line, `question_line`."""
    return f"{evidence_context(sources, heading=heading)}\n\n{question_line(question)}"


def says_dont_know(reply: str) -> bool:
    """True when a model's reply is the agreed refusal ("I don't know ...")."""
    return reply.strip().lower().startswith(_DONT_KNOW_PREFIXES)
