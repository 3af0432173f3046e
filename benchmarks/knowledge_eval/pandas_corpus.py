"""The held-out eval corpus: pandas' own docstrings, one Markdown document per public callable.

A second real-text set, from a library nobody here wrote, kept apart from the numpy set that tuning
looked at: pandas' top-level callables, the methods of `DataFrame` and the `Series.str` methods
(334 documents with pandas 3.1.1). Same shape as corpus.py (a `# name` title, then the docstring
with its numpydoc sections), different vocabulary: tables, I/O, time series, text.

Questions live in pandas_questions.txt. They were written from the documents before any retrieval ran
on them and committed before any result existed; every question is in the one split `heldout`, which
is evaluated once, after tuning on the numpy set's tuned split is finished. pandas is pinned in
bench_knowledge.py (nothing is downloaded at run time; the report names the version).
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path

from corpus import Question, read_questions, write_documents

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "pandas_questions.txt"
MIN_DOC_CHARS = 200
SPLIT = "heldout"


def _members() -> list[tuple[str, object]]:
    """(qualified name, object) of every candidate, in a stable order."""
    import pandas
    from pandas.core.strings.accessor import StringMethods

    owners = (("pandas", pandas, True), ("pandas.DataFrame", pandas.DataFrame, False),
              ("pandas.Series.str", StringMethods, False))  # fmt: skip
    members = []
    for prefix, owner, classes_too in owners:
        for name in sorted(dir(owner)):
            if name.startswith("_"):
                continue
            item = getattr(owner, name, None)
            if inspect.isclass(item) and not classes_too:
                continue
            members.append((f"{prefix}.{name}", item))
    return members


def _docstring(item: object) -> str | None:
    doc = getattr(item, "__doc__", None)
    if callable(item) and isinstance(doc, str) and len(doc) > MIN_DOC_CHARS:
        return inspect.cleandoc(doc)
    return None


def pandas_documents() -> dict[str, str]:
    """Document id -> Markdown text; a docstring shared by several names is one document (first name wins)."""
    documents: dict[str, str] = {}
    seen: set[str] = set()
    for qualified, item in _members():
        text = _docstring(item)
        if text is None or text in seen:
            continue
        seen.add(text)
        documents[qualified.lower()] = f"# {qualified}\n\n{text}\n"
    return documents


def aliases() -> dict[str, str]:
    """Any public name, lowercased (pandas.dataframe.merge) -> the document id holding its docstring."""
    by_text: dict[str, str] = {}
    names: dict[str, str] = {}
    for qualified, item in _members():
        text = _docstring(item)
        if text is not None:
            by_text.setdefault(text, qualified.lower())
            names[qualified.lower()] = by_text[text]
    return names


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    questions = read_questions(path, aliases(), prefix="p", split=lambda _text: SPLIT)
    return [replace(question, gold=tuple(dict.fromkeys(question.gold))) for question in questions]


def write_corpus(folder: Path) -> dict[str, str]:
    """Write one `<id>.md` per document into `folder`; returns the documents."""
    return write_documents(folder, pandas_documents())
