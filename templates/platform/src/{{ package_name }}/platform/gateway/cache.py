"""Response cache: identical requests within a TTL are answered without a provider call.

Saves money and latency for repeated questions (FAQ traffic, eval reruns). The key is a
SHA-256 of model + messages + generation parameters, so any change to the prompt or the
settings is a miss. In-process and bounded (LRU) on purpose: no extra service to run.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from .types import Completion, Message


def cache_key(model: str, messages: Sequence[Message], **params: object) -> str:
    """Stable key across processes: canonical JSON, hashed (prompts are not kept as keys)."""
    payload = {
        "model": model,
        "messages": [[message.role, message.content] for message in messages],
        "params": params,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ResponseCache:
    """Thread-safe LRU with a time-to-live; `clock` is injectable for tests."""

    def __init__(
        self,
        *,
        ttl_s: float = 300.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0 or max_entries < 1:
            raise ValueError("ResponseCache needs ttl_s > 0 and max_entries >= 1")
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Completion]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Completion | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            stored_at, completion = entry
            if self._clock() - stored_at >= self.ttl_s:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return completion

    def put(self, key: str, completion: Completion) -> None:
        with self._lock:
            self._entries[key] = (self._clock(), completion)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
