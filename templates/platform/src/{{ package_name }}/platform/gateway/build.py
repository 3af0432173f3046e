"""Build the gateway from settings: the only place that maps configuration to routes.

`local` -> [local]; `openai-compatible` -> [remote, local]. The local route is always
last so a project keeps answering (extractively, with citations) during an outage.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from ... import ENV_PREFIX
from ..errors import ConfigError
from .cache import ResponseCache
from .chain import Gateway, Route
from .local_provider import LOCAL_EMBEDDING_MODEL, LOCAL_EMBEDDING_MODELS, LOCAL_MODEL, LocalProvider
from .openai_provider import OpenAICompatibleProvider
from .resilience import CircuitBreaker, RetryPolicy

if TYPE_CHECKING:
    from ..settings import Settings


def build_gateway(
    settings: Settings,
    *,
    retry: RetryPolicy | None = None,
    cache_ttl_s: float = 300.0,
    max_concurrency: int = 8,
    breaker_threshold: int = 5,
    breaker_cooldown_s: float = 30.0,
    transport: httpx.BaseTransport | None = None,
    instrument_http: Callable[[httpx.Client], None] | None = None,
) -> Gateway:
    """The gateway `Runtime` uses; keyword arguments exist for tests and tuning.

    `EMBEDDING_MODEL=local-wordllama-256` (or `local-hashed-bow-256`) keeps embeddings offline
    while chat goes to the remote provider (useful with chat-only servers such as many vLLM
    deployments); any other name is asked of the OpenAI-compatible embeddings endpoint.
    `instrument_http(client)` is called on the remote provider's HTTP client (trace propagation).
    """
    local = Route(LocalProvider(), LOCAL_MODEL, LOCAL_EMBEDDING_MODEL)
    routes = [local]
    embedding_route = local
    if settings.model_provider == "local" and settings.embedding_model in LOCAL_EMBEDDING_MODELS:
        embedding_route = Route(local.provider, LOCAL_MODEL, settings.embedding_model)
    if settings.model_provider == "openai-compatible":
        if settings.model == LOCAL_MODEL:
            raise ConfigError(
                f"{ENV_PREFIX}MODEL must name a model served at {ENV_PREFIX}OPENAI_BASE_URL "
                f"(e.g. gpt-4o-mini) when {ENV_PREFIX}MODEL_PROVIDER=openai-compatible; "
                f"{LOCAL_MODEL!r} is the offline model"
            )
        try:
            remote = OpenAICompatibleProvider(
                base_url=settings.openai_base_url,
                api_key=settings.openai_api_key.get_secret_value(),
                timeout_s=settings.request_timeout_s,
                transport=transport,
            )
        except ValueError as error:
            raise ConfigError(f"{ENV_PREFIX}OPENAI_BASE_URL {error}") from None
        if instrument_http is not None:
            instrument_http(remote.http_client)
        breaker = CircuitBreaker(failure_threshold=breaker_threshold, cooldown_s=breaker_cooldown_s)
        remote_route = Route(remote, settings.model, settings.embedding_model, breaker)
        routes = [remote_route, local]
        if settings.embedding_model in LOCAL_EMBEDDING_MODELS:
            embedding_route = Route(local.provider, LOCAL_MODEL, settings.embedding_model)
        else:
            embedding_route = remote_route
    elif settings.model_provider != "local":
        raise ConfigError(
            f"{ENV_PREFIX}MODEL_PROVIDER={settings.model_provider!r}: "
            "accepted values are 'local' and 'openai-compatible'"
        )
    return Gateway(
        routes,
        retry=retry,
        cache=ResponseCache(ttl_s=cache_ttl_s),
        max_concurrency=max_concurrency,
        queue_timeout_s=settings.request_timeout_s,
        embedding_route=embedding_route,
        deadline_s=settings.request_deadline_s,
    )
