"""The real-text eval corpus: numpy's own docstrings, one Markdown document per public function.

Nobody on this team wrote them, every numpy wheel ships them, and they look like the documentation teams
index: a title, a summary, numpydoc sections underlined with dashes (setext headings), code spans such
as ``a[i:j]``, dunder names and `>>>` examples. The corpus is rebuilt from the installed numpy at run
time (nothing is downloaded; numpy is pinned in constraints.txt, and the report names the version).

Questions live in questions.txt (written before any retrieval run). The split is a hash of the
question text: `tuned` may be looked at while developing, `untuned` never is; targets are judged on it.
Two corpora are kept aside for independent checks and never used here: CPython's pydoc_data topics
and Debian's common-licenses texts.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUESTIONS = HERE / "questions.txt"
MODULES = ("numpy", "numpy.linalg", "numpy.fft", "numpy.random")
MIN_DOC_CHARS = 200


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    gold: tuple[str, ...]  # document ids; empty for a question the corpus cannot answer
    keywords: tuple[str, ...]
    split: str  # "tuned" | "untuned"

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


def numpy_documents() -> dict[str, str]:
    """Document id -> Markdown text; a docstring shared by aliases is one document (first name wins)."""
    import importlib

    documents: dict[str, str] = {}
    seen: set[str] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            item = getattr(module, name)
            doc = getattr(item, "__doc__", None)
            if not (callable(item) and isinstance(doc, str) and len(doc) > MIN_DOC_CHARS):
                continue
            text = inspect.cleandoc(doc)
            if text in seen:
                continue
            seen.add(text)
            documents[document_id(f"{module_name}.{name}")] = f"# {module_name}.{name}\n\n{text}\n"
    return documents


def document_id(qualified: str) -> str:
    """The id the ingest derives from the file name `<qualified>.md`."""
    return qualified.lower()


def aliases() -> dict[str, str]:
    """Any public name (numpy.absolute) -> the document id holding its docstring (numpy.abs)."""
    import importlib

    by_text: dict[str, str] = {}
    names: dict[str, str] = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in sorted(dir(module)):
            item = getattr(module, name, None)
            doc = getattr(item, "__doc__", None)
            if name.startswith("_") or not (callable(item) and isinstance(doc, str) and len(doc) > MIN_DOC_CHARS):
                continue
            text = inspect.cleandoc(doc)
            by_text.setdefault(text, document_id(f"{module_name}.{name}"))
            names[f"{module_name}.{name}"] = by_text[text]
    return names


def split_of(text: str) -> str:
    return "tuned" if int(hashlib.sha256(text.encode()).hexdigest(), 16) % 2 == 0 else "untuned"


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    return read_questions(path, aliases(), prefix="q", split=split_of)


def read_questions(path: Path, resolve: dict[str, str], *, prefix: str, split: Callable[[str], str]) -> list[Question]:
    """Parse `gold | keywords | question` lines (`-` for none); gold names resolve to document ids."""
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        gold, keywords, text = (part.strip() for part in line.split("|", 2))
        gold_ids = () if gold == "-" else tuple(resolve[name.strip()] for name in gold.split(","))
        words = () if keywords == "-" else tuple(word.strip() for word in keywords.split(";"))
        questions.append(Question(f"{prefix}{number:03d}", text, gold_ids, words, split(text)))
    return questions


def write_corpus(folder: Path) -> dict[str, str]:
    return write_documents(folder, numpy_documents())


def write_documents(folder: Path, documents: dict[str, str]) -> dict[str, str]:
    """Write one `<id>.md` per document into `folder`; returns the documents."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in documents.items():
        (folder / f"{doc_id}.md").write_text(text, encoding="utf-8")
    return documents
