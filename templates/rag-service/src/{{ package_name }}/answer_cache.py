"""A small in-process cache of whole answers.

The key holds the caller's clearance and the index version, so a cached answer is
never shown to someone who may see less, and any ingest or delete makes old answers
unreachable. It sits in front of retrieval, which the gateway's own response cache
cannot skip.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")


class AnswerCache(Generic[Value]):
    """Thread-safe LRU; `max_entries=0` turns it off."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(question: str, clearance: str, index_version: int, *extra: Hashable) -> tuple[Hashable, ...]:
        """Case and spacing do not make two questions different."""
        return (" ".join(question.lower().split()), clearance, index_version, *extra)

    def get(self, key: Hashable) -> Value | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Value) -> None:
        if self.max_entries < 1:
            return
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
