"""Retries with backoff and a circuit breaker: how one flaky provider stays a small problem.

Clocks, sleeps and randomness are injected so tests drive them directly instead of
waiting, and so behaviour under failure is reproducible.
"""

from __future__ import annotations

import random as random_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from ..errors import ProviderError

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, honouring the server's `Retry-After`.

    Delay before retry n (1-based) is `min(max_delay_s, base_delay_s * 2**(n-1))`,
    shortened by up to `jitter` of itself at random so many clients that failed together
    do not retry together. A `Retry-After` from the server replaces the computed delay;
    if it asks for more than `max_retry_after_s` we stop retrying and let the fallback
    chain answer rather than hold a user request hostage.
    """

    max_attempts: int = 3
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    jitter: float = 0.5
    max_retry_after_s: float = 30.0
    sleep: Sleep = field(default=time.sleep, compare=False)
    random: Callable[[], float] = field(default=random_module.random, compare=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be >= 1")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("RetryPolicy.jitter must be between 0 and 1")

    def backoff_s(self, retry_number: int) -> float:
        """Jittered exponential delay before retry `retry_number` (1 = first retry)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (retry_number - 1))
        return ceiling * (1.0 - self.jitter * self.random())

    def delay_for(self, error: ProviderError, retry_number: int) -> float | None:
        """Seconds to wait before retry `retry_number` after `error`, or None: do not retry."""
        if not error.kind.retryable or retry_number >= self.max_attempts:
            return None
        if error.retry_after_s is not None:
            if error.retry_after_s > self.max_retry_after_s:
                return None
            return max(error.retry_after_s, 0.0)
        return self.backoff_s(retry_number)


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class CircuitBreaker:
    """Stop calling a provider after `failure_threshold` consecutive failed calls.

    While open, calls are refused at once (the chain moves to its fallback) instead of
    each user waiting for timeouts. After `cooldown_s` one probe call is let through
    (half-open): success closes the breaker, failure opens it for another cool-down.
    """

    def __init__(self, *, failure_threshold: int = 5, cooldown_s: float = 30.0, clock: Clock = time.monotonic) -> None:
        if failure_threshold < 1:
            raise ValueError("CircuitBreaker.failure_threshold must be >= 1")
        self.failure_threshold = failure_threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state()

    def _state(self) -> BreakerState:
        if self._opened_at is None:
            return BreakerState.CLOSED
        if self._clock() - self._opened_at >= self.cooldown_s:
            return BreakerState.HALF_OPEN
        return BreakerState.OPEN

    def allow(self) -> bool:
        """May a call go through now? In half-open state only one probe at a time."""
        with self._lock:
            state = self._state()
            if state is BreakerState.CLOSED:
                return True
            if state is BreakerState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probe_in_flight or self._failures >= self.failure_threshold:
                self._opened_at = self._clock()
            self._probe_in_flight = False

    def release(self) -> None:
        """End a probe that neither proved nor disproved health (e.g. a bad request)."""
        with self._lock:
            self._probe_in_flight = False
