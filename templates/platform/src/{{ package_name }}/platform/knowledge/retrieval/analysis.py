"""Turning a question into search terms, the same way for every backend.

Terms are lowercase letters/digits only, which makes them safe to splice into FTS5 and
tsquery syntax; stemming is left to the backend's own analyser (FTS5's porter
tokenizer, PostgreSQL's `english` configuration) so the index and the query agree.

Code tokens that a word tokenizer destroys (`__hash__` becomes "hash", `:=` and `a[i:j]`
vanish) are kept as *code terms*: each becomes one surrogate word, `zc` + a short hash of
the token, indexed in a column of its own and added to the question's terms, so a question
about `__hash__` or `[i:j]` matches chunks with exactly that token.
"""

from __future__ import annotations

import hashlib
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
MAX_CODE_TERMS = 8

_CODE_TOKEN = re.compile(
    r"""(?<![\w.])__[A-Za-z0-9]\w*?__(?!\w)       # dunder names: __hash__, __init__
    | (?<=\w)\[[^\[\]\s]{1,30}\]                 # subscripts and slices: a[i:j] -> [i:j], d[key] -> [key]
    | \b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b   # snake_case names: fill_value, put_along_axis
    | :=|==|!=|<=|>=|->|\*\*=?|//=?|<<=?|>>=?|\+=|-=|\*=|/=|%=|&=|\|=|\^=|@=   # operators
    """,
    re.VERBOSE,
)


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


def code_terms(text: str, limit: int | None = None) -> list[str]:
    """Surrogate words for the code tokens in `text`, in order (distinct, at most `limit`)."""
    terms: list[str] = []
    for token in _CODE_TOKEN.findall(text):
        term = "zc" + hashlib.blake2s(token.encode(), digest_size=5).hexdigest()
        if term not in terms:
            terms.append(term)
    return terms[:limit] if limit is not None else terms


def search_terms(text: str) -> list[str]:
    """A question's terms for every backend: content words, then code terms."""
    return query_terms(text) + code_terms(text, MAX_CODE_TERMS)
