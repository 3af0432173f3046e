"""OpenAI-compatible provider: one small httpx client for OpenAI, Azure OpenAI, vLLM and Ollama.

All four speak `POST {base_url}/chat/completions` and `POST {base_url}/embeddings`; they
differ only in auth and query string, handled here so settings stay one URL and one key:
- OpenAI, vLLM, Ollama: `Authorization: Bearer <key>` (omitted when the key is empty);
- Azure OpenAI (`*.openai.azure.com`, `*.cognitiveservices.azure.com`): `api-key: <key>`;
  a query in the base URL (`...?api-version=2024-10-21`) is sent with every request.
Every failure becomes a `ProviderError` with the key redacted, so no caller ever handles
httpx exceptions or sees a credential in a log line.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import httpx

from ..errors import ProviderError
from .types import ErrorKind, Message, ProviderReply, Usage

AZURE_HOST_SUFFIXES = (".openai.azure.com", ".cognitiveservices.azure.com")
DETAIL_LIMIT = 200
_STATUS_KINDS = {
    401: ErrorKind.AUTH,
    403: ErrorKind.AUTH,
    408: ErrorKind.TIMEOUT,
    429: ErrorKind.RATE_LIMITED,
}


class OpenAICompatibleProvider:
    """Chat completions and embeddings over HTTP; one pooled client per provider."""

    name = "openai-compatible"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        timeout_s: float = 30.0,
        max_tokens_field: str = "max_tokens",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`max_tokens_field="max_completion_tokens"` for OpenAI reasoning models that refuse `max_tokens`."""
        parts = urlsplit(base_url)
        scheme, netloc, path, query = parts.scheme, parts.netloc, parts.path, parts.query
        if scheme not in ("http", "https") or not netloc:
            raise ValueError(f"must be an http(s) URL such as http://localhost:8000/v1, got {base_url!r}")
        self._api_key = api_key
        self._max_tokens_field = max_tokens_field
        headers = {"Content-Type": "application/json"}
        if api_key:
            if (parts.hostname or "").endswith(AZURE_HOST_SUFFIXES):
                headers["api-key"] = api_key
            else:
                headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            base_url=urlunsplit((scheme, netloc, path.rstrip("/") + "/", "", "")),
            params=dict(parse_qsl(query)),
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
        )

    def complete(
        self,
        messages: Sequence[Message],
        *,
        model: str,
        temperature: float,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
    ) -> ProviderReply:
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "temperature": temperature,
            self._max_tokens_field: max_tokens,
        }
        if response_format:
            body["response_format"] = response_format
        data = self._post("chat/completions", body)
        try:
            content = data["choices"][0]["message"]["content"]
            text = content if isinstance(content, str) else ""
            usage = _usage(data.get("usage"))
            answered_by = data.get("model")
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise ProviderError(ErrorKind.MALFORMED, f"no choices[0].message ({error!r})") from None
        return ProviderReply(text, answered_by if isinstance(answered_by, str) else model, usage)

    def embed(self, texts: Sequence[str], *, model: str) -> list[list[float]]:
        data = self._post("embeddings", {"model": model, "input": list(texts)})
        try:
            rows = sorted(data["data"], key=lambda row: row.get("index", 0))
            vectors = [[float(value) for value in row["embedding"]] for row in rows]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ProviderError(ErrorKind.MALFORMED, f"no data[].embedding ({error!r})") from None
        if len(vectors) != len(texts):
            raise ProviderError(ErrorKind.MALFORMED, f"{len(vectors)} embeddings for {len(texts)} inputs")
        return vectors

    @property
    def http_client(self) -> httpx.Client:
        """The pooled client, for instrumentation (trace propagation to the model endpoint)."""
        return self._client

    def close(self) -> None:
        self._client.close()

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(path, json=body)
        except httpx.TimeoutException as error:
            raise ProviderError(ErrorKind.TIMEOUT, self._redact(type(error).__name__)) from None
        except httpx.TransportError as error:
            detail = f"{type(error).__name__}: {error}"
            raise ProviderError(ErrorKind.CONNECTION, self._redact(detail)) from None
        if response.status_code >= 400:
            raise self._status_error(response)
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            snippet = response.text[:DETAIL_LIMIT]
            raise ProviderError(ErrorKind.MALFORMED, self._redact(f"not JSON: {snippet!r}")) from None
        if not isinstance(data, dict):
            raise ProviderError(ErrorKind.MALFORMED, "JSON body is not an object")
        return data

    def _status_error(self, response: httpx.Response) -> ProviderError:
        status = response.status_code
        kind = _STATUS_KINDS.get(status) or (ErrorKind.SERVER_ERROR if status >= 500 else ErrorKind.BAD_REQUEST)
        detail = f"HTTP {status}: {_error_message(response)}"
        return ProviderError(kind, self._redact(detail), retry_after_s=parse_retry_after(response.headers))

    def _redact(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text


def _usage(raw: object) -> Usage | None:
    """Provider-reported usage, or None (then the gateway estimates and says so)."""
    if not isinstance(raw, dict):
        return None
    prompt, completion = raw.get("prompt_tokens"), raw.get("completion_tokens")
    if not isinstance(prompt, int) or not isinstance(completion, int):
        return None
    return Usage(prompt, completion, estimated=False)


def _error_message(response: httpx.Response) -> str:
    """The server's own error text (OpenAI `{"error": {"message"}}`, Ollama `{"error"}`)."""
    try:
        error = response.json().get("error")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        error = None
    if isinstance(error, dict):
        error = error.get("message")
    text = error if isinstance(error, str) else response.text
    return " ".join(text.split())[:DETAIL_LIMIT] or response.reason_phrase


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, `retry-after` seconds or HTTP date."""
    lowered = {key.lower(): value for key, value in headers.items()}
    if (millis := lowered.get("retry-after-ms")) is not None:
        try:
            return max(float(millis) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(moment.timestamp() - (time.time() if now is None else now), 0.0)
