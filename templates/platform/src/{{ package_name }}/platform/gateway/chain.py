"""The Gateway: one call site for every model call, with cache, limits, retries and fallback.

Order of a completion: cache lookup -> concurrency slot -> for each route in the chain:
circuit breaker -> provider call with retries -> first success wins. Fallback answers
are returned with the reasons earlier routes failed and are never cached, so a short
outage does not keep serving degraded answers after the provider recovers.

`deadline_s` bounds one request across all of that: no retry is slept for and no further
route is tried once it would pass, so a user waits at most the deadline plus one call's
own timeout, however many retries and fallbacks are configured.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from ..errors import GatewayError, ProviderError, RouteFailed
from .cache import ResponseCache, cache_key
from .resilience import CircuitBreaker, RetryPolicy
from .types import Completion, Message, Provider, ProviderReply, estimate_usage

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Route:
    """One link of the fallback chain: a provider, the models to ask it for, its own breaker."""

    provider: Provider
    model: str
    embedding_model: str
    breaker: CircuitBreaker = field(default_factory=CircuitBreaker)

    def label(self, model: str | None = None) -> str:
        return f"{self.provider.name}({model or self.model})"


class Gateway:
    """Calls models through an ordered chain of routes; see the module docstring."""

    def __init__(
        self,
        routes: Sequence[Route],
        *,
        retry: RetryPolicy | None = None,
        cache: ResponseCache | None = None,
        max_concurrency: int = 8,
        queue_timeout_s: float | None = 30.0,
        embedding_route: Route | None = None,
        deadline_s: float | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if not routes:
            raise ValueError("Gateway needs at least one route")
        if max_concurrency < 1:
            raise ValueError("Gateway.max_concurrency must be >= 1")
        if deadline_s is not None and deadline_s <= 0:
            raise ValueError("Gateway.deadline_s must be > 0 (or None for no deadline)")
        self.routes = tuple(routes)
        self.embedding_route = embedding_route or self.routes[0]
        self.retry = retry or RetryPolicy()
        self.cache = cache
        self.max_concurrency = max_concurrency
        self.queue_timeout_s = queue_timeout_s
        self.deadline_s = deadline_s
        self._slots = threading.BoundedSemaphore(max_concurrency)
        self._clock = clock

    def complete(
        self,
        messages: Sequence[Message],
        *,
        model: str | None = None,
        temperature: float = 0.0,
        max_tokens: int = 512,
        use_cache: bool = True,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """Answer `messages`; `model` picks a route by name or overrides the first route's model.

        `response_format` (OpenAI's, e.g. a `json_schema`) is passed to providers that take it;
        the caller still validates the reply, since a fallback route may not honour it.
        """
        started = self._clock()
        messages = tuple(messages)
        if not messages:
            raise ValueError("Gateway.complete needs at least one message")
        if max_tokens < 1:
            raise ValueError("max_tokens must be >= 1")
        plan = self._plan(model)
        cache = self.cache if use_cache else None
        key = ""
        if cache is not None:
            params = {"temperature": temperature, "max_tokens": max_tokens, "response_format": response_format}
            key = cache_key(model or plan[0][1], messages, **params)
            if (hit := cache.get(key)) is not None:
                return replace(hit, cached=True, latency_s=self._clock() - started)
        with self._slot():
            completion = self._complete_first(
                plan, messages, temperature, max_tokens, started, self._deadline(started), response_format
            )
        if cache is not None and not completion.failures:
            cache.put(key, completion)
        return completion

    def _complete_first(
        self,
        plan: Sequence[tuple[Route, str]],
        messages: tuple[Message, ...],
        temperature: float,
        max_tokens: int,
        started: float,
        deadline: float | None,
        response_format: dict[str, Any] | None = None,
    ) -> Completion:
        """First route that answers wins; each failure is recorded for the caller and the log."""
        failures: list[str] = []
        for route, route_model in plan:
            if failures and deadline is not None and self._clock() >= deadline:
                failures.append(
                    f"{route.label(route_model)}: not tried, the {self.deadline_s}s request deadline passed"
                )
                break

            def call(route: Route = route, model: str = route_model) -> ProviderReply:
                extra = {"response_format": response_format} if response_format else {}
                return route.provider.complete(
                    messages, model=model, temperature=temperature, max_tokens=max_tokens, **extra
                )

            try:
                reply = self._call(route, route_model, call, deadline)
            except RouteFailed as failure:
                failures.append(str(failure))
                logger.warning("model route failed, trying next: %s", failure)
                continue
            return Completion(
                text=reply.text,
                model=reply.model,
                provider=route.provider.name,
                usage=reply.usage or estimate_usage(messages, reply.text),
                cached=False,
                latency_s=self._clock() - started,
                failures=tuple(failures),
            )
        raise GatewayError(f"all {len(plan)} model route(s) failed: {'; '.join(failures)}", failures)

    def embed(self, texts: Sequence[str], *, model: str | None = None) -> list[list[float]]:
        """Embed with ONE route (retries and breaker, but no fallback).

        Vectors from two embedding models live in different spaces; silently mixing
        them in one index corrupts retrieval, so failing loudly is the safer default.
        `model` picks the route serving that embedding model, else it is sent to the
        embedding route (by default the first route).
        """
        texts = list(texts)
        if not texts:
            return []
        candidates = (self.embedding_route, *self.routes)
        route = next((r for r in candidates if r.embedding_model == model), self.embedding_route)
        embedding_model = model or route.embedding_model
        with self._slot():
            try:
                return self._call(
                    route,
                    embedding_model,
                    lambda: route.provider.embed(texts, model=embedding_model),
                    self._deadline(self._clock()),
                )
            except RouteFailed as failure:
                raise GatewayError(
                    f"embedding failed (no fallback: vectors of different models do not mix): {failure}",
                    [str(failure)],
                ) from None

    def close(self) -> None:
        """Release providers' connection pools (call on application shutdown)."""
        for route in self.routes:
            close = getattr(route.provider, "close", None)
            if callable(close):
                close()

    def _plan(self, model: str | None) -> list[tuple[Route, str]]:
        """Routes to try, in order, with the model each is asked for.

        A `model` naming a route's model starts the chain at that route (budget
        degradation to `local-extractive` goes straight to the local route); any other
        name replaces the first route's model and keeps the fallbacks behind it.
        """
        for index, route in enumerate(self.routes):
            if route.model == model:
                return [(r, r.model) for r in self.routes[index:]]
        first, *rest = self.routes
        return [(first, model or first.model), *[(r, r.model) for r in rest]]

    def _deadline(self, started: float) -> float | None:
        return None if self.deadline_s is None else started + self.deadline_s

    def _call(self, route: Route, model: str, call: Callable[[], T], deadline: float | None) -> T:
        """Run `call` behind the route's breaker, retrying transient errors per the policy and the deadline."""
        label = route.label(model)
        if not route.breaker.allow():
            raise RouteFailed(f"{label}: circuit breaker open, skipped")
        attempt = 1
        while True:
            try:
                result = call()
            except ProviderError as error:
                delay = self.retry.delay_for(error, attempt)
                late = delay is not None and deadline is not None and self._clock() + delay >= deadline
                if delay is None or late:
                    if error.kind.counts_against_provider:
                        route.breaker.record_failure()
                    else:
                        route.breaker.release()
                    why = f"; no retry within the {self.deadline_s}s request deadline" if late else ""
                    raise RouteFailed(f"{label}: {error} (after {attempt} attempt(s){why})") from None
                logger.info("retrying %s in %.2fs after %s", label, delay, error)
                self.retry.sleep(delay)
                attempt += 1
            except Exception as error:  # a buggy provider must not take the chain down
                logger.exception("provider %s raised unexpectedly", label)
                route.breaker.record_failure()
                raise RouteFailed(f"{label}: unexpected {type(error).__name__}: {error}") from None
            else:
                route.breaker.record_success()
                return result

    @contextmanager
    def _slot(self) -> Iterator[None]:
        """Concurrency limit: protects the provider's rate limit and our own memory."""
        if not self._slots.acquire(timeout=self.queue_timeout_s):
            raise GatewayError(
                f"gateway concurrency limit reached: {self.max_concurrency} calls in flight, "
                f"no slot free within {self.queue_timeout_s}s"
            )
        try:
            yield
        finally:
            self._slots.release()
