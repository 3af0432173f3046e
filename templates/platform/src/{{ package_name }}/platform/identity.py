"""People's identities compared the way people mean them: `carol`, `Carol` and `carol ` are one person.

Names are normalised with Unicode NFKC (full-width and compatibility forms become plain
letters), case-folded (`ß` = `ss`, `Carol` = `carol`), stripped of invisible characters and
with runs of whitespace squeezed to one space. Every separation-of-duties check (requester vs
approver, approver vs approver) compares canonical forms, never raw strings.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u034f"))


def canonical_identity(name: str) -> str:
    """The form two names must share to be the same person."""
    text = unicodedata.normalize("NFKC", name).translate(_INVISIBLE)
    return " ".join(text.casefold().split())


def same_person(left: str, right: str) -> bool:
    return canonical_identity(left) == canonical_identity(right)
