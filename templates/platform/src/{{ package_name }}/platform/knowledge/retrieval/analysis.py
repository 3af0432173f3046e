"""Turning a question into search terms, the same way for every backend.

Terms are lowercase letters/digits only, which makes them safe to splice into FTS5 and
tsquery syntax; stemming is left to the backend's own analyser (FTS5's porter
tokenizer, PostgreSQL's `english` configuration) so the index and the query agree.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")

# Words too common to help ranking; dropping them keeps OR-queries short and fast.
_STOPWORDS = """a about all also am an and any are as at be been but by can could did do does for from had has have
    he her his how i if in into is it its me more my no not of on or our she should so some than that
    the their them then there these they this those to too us was we were what when where which who whom
    why will with would you your"""
QUERY_STOPWORDS = frozenset(_STOPWORDS.split())
MAX_QUERY_TERMS = 32


def fold(text: str) -> str:
    """Lowercase and strip diacritics, so `Café` and `cafe` are one term."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def query_terms(text: str) -> list[str]:
    """Distinct content words of a question, in order, at most MAX_QUERY_TERMS."""
    terms: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word not in QUERY_STOPWORDS and word not in terms:
            terms.append(word)
    return terms[:MAX_QUERY_TERMS]
