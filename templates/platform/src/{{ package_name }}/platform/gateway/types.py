"""The gateway's vocabulary: messages in, completions out, and the two error types.

Kept free of any provider or HTTP detail so pattern code, guards, budget and audit
can all speak about a model call without importing httpx.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class Message:
    """One chat message; frozen so it can be hashed into cache keys and audit records."""

    role: str
    content: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"Message.role {self.role!r} is not one of {sorted(ROLES)}")


@dataclass(frozen=True)
class Usage:
    """Token counts; `estimated=True` means the provider reported none and we guessed."""

    input_tokens: int
    output_tokens: int
    estimated: bool

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Completion:
    """What the gateway hands back: the text plus everything budget, audit and telemetry need.

    `failures` lists why earlier routes in the fallback chain did not answer, so a
    degraded answer is never silent.
    """

    text: str
    model: str
    provider: str
    usage: Usage
    cached: bool
    latency_s: float
    failures: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class ProviderReply:
    """A provider's raw answer; `usage=None` when the wire response carried no token counts."""

    text: str
    model: str
    usage: Usage | None


class ErrorKind(Enum):
    """Why a provider call failed; decides whether we retry and whether the breaker counts it."""

    RATE_LIMITED = "rate limited"
    SERVER_ERROR = "server error"
    TIMEOUT = "timeout"
    CONNECTION = "connection error"
    MALFORMED = "malformed response"
    AUTH = "authentication failed"
    BAD_REQUEST = "bad request"

    @property
    def retryable(self) -> bool:
        """Transient failures: waiting and trying again can succeed."""
        return self in _RETRYABLE

    @property
    def counts_against_provider(self) -> bool:
        """A bad request is the caller's fault; it must not open the provider's breaker."""
        return self is not ErrorKind.BAD_REQUEST


_RETRYABLE = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.SERVER_ERROR, ErrorKind.TIMEOUT, ErrorKind.CONNECTION})


class Provider(Protocol):
    """One model backend. Implementations raise `ProviderError`, never httpx errors."""

    name: str

    def complete(
        self, messages: Sequence[Message], *, model: str, temperature: float, max_tokens: int
    ) -> ProviderReply: ...

    def embed(self, texts: Sequence[str], *, model: str) -> list[list[float]]: ...


def estimate_tokens(text: str) -> int:
    """Offline token estimate: ~4 characters per token (OpenAI's rule of thumb for English).

    Used only when a provider reports no usage; no tokenizer is downloaded. Non-empty
    text counts at least one token so that cost is never silently zero.
    """
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def estimate_usage(messages: Sequence[Message], output_text: str) -> Usage:
    """Estimate usage for a whole call, marked `estimated=True` so reports can say so.

    Input counts all message text together (ceil(chars/4)), which never exceeds the
    runtime's pre-call estimate of `chars // 4 + 1` used to reserve budget.
    """
    input_text_chars = sum(len(message.content) for message in messages)
    return Usage(math.ceil(input_text_chars / CHARS_PER_TOKEN), estimate_tokens(output_text), estimated=True)
