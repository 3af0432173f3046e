"""Model gateway: every model call in the project goes through `Gateway`.

One interface (`Provider`), two providers (offline `LocalProvider`, HTTP
`OpenAICompatibleProvider`), and the controls production needs around them:
timeouts, retries with backoff and jitter honouring `Retry-After`, a circuit breaker
per route, a fallback chain, a TTL response cache and a concurrency limit.
"""

from ..errors import GatewayError, ProviderError
from .build import build_gateway
from .cache import ResponseCache, cache_key
from .chain import Gateway, Route
from .local_provider import (
    HASHED_EMBEDDING_MODEL,
    LOCAL_EMBEDDING_MODEL,
    LOCAL_MODEL,
    LocalProvider,
    hashed_embedding,
)
from .openai_provider import OpenAICompatibleProvider
from .resilience import BreakerState, CircuitBreaker, RetryPolicy
from .types import Completion, ErrorKind, Message, Provider, ProviderReply, Usage

__all__ = [
    "HASHED_EMBEDDING_MODEL",
    "LOCAL_EMBEDDING_MODEL",
    "LOCAL_MODEL",
    "BreakerState",
    "CircuitBreaker",
    "Completion",
    "ErrorKind",
    "Gateway",
    "GatewayError",
    "LocalProvider",
    "Message",
    "OpenAICompatibleProvider",
    "Provider",
    "ProviderError",
    "ProviderReply",
    "ResponseCache",
    "RetryPolicy",
    "Route",
    "Usage",
    "build_gateway",
    "cache_key",
    "hashed_embedding",
]
