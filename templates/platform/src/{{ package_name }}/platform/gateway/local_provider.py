"""The local provider: deterministic and offline.

It is the default for every generated project and the last link of every fallback
chain, so demos, tests and evals never depend on a network or a vendor. Embeddings come
from wordllama's small model shipped inside its wheel (`local-wordllama-256`, semantic);
`local-hashed-bow-256` is the weight-free alternative, a hashed bag of words. Hashing uses
zlib.crc32 (not `hash()`, which is salted per process) so vectors are identical across
processes and machines and an index built yesterday still matches today's queries.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

from .extractive import answer_extractively, parse_prompt, tokenize
from .local_embeddings import WORDLLAMA_MODEL, embed_matrix, wordllama_embeddings
from .types import CHARS_PER_TOKEN, Message, ProviderReply

LOCAL_MODEL = "local-extractive"
LOCAL_EMBEDDING_MODEL = WORDLLAMA_MODEL
HASHED_EMBEDDING_MODEL = "local-hashed-bow-256"
LOCAL_EMBEDDING_MODELS = (WORDLLAMA_MODEL, HASHED_EMBEDDING_MODEL)
EMBEDDING_DIMENSIONS = 256


def hashed_embedding(text: str, dimensions: int = EMBEDDING_DIMENSIONS) -> list[float]:
    """Signed hashed bag-of-words, L2-normalised; empty or stopword-only text gives zeros.

    Each token adds +-1 at `crc32(token) % dimensions`; the sign comes from a second
    hash so collisions cancel out on average instead of piling up.
    """
    vector = [0.0] * dimensions
    for token in tokenize(text):
        encoded = token.encode("utf-8")
        index = zlib.crc32(encoded) % dimensions
        sign = 1.0 if zlib.adler32(encoded) & 1 else -1.0
        vector[index] += sign
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


class LocalProvider:
    """Answers extractively from tagged sources in the prompt; embeds with wordllama (or by hashing)."""

    name = "local"

    def __init__(self, *, dimensions: int = EMBEDDING_DIMENSIONS) -> None:
        self.dimensions = dimensions

    def complete(
        self,
        messages: Sequence[Message],
        *,
        model: str,
        temperature: float,
        max_tokens: int,
        response_format: dict[str, Any] | None = None,
    ) -> ProviderReply:
        """Extractive answer; `temperature` and `response_format` are ignored (the answer is plain text)."""
        max_chars = max(max_tokens, 1) * CHARS_PER_TOKEN
        parsed = parse_prompt(message.content for message in messages if message.role == "user")
        if parsed.sources or parsed.question:
            text = answer_extractively(parsed.sources, parsed.question, max_chars=max_chars, embed=_sentence_embedder())
        else:
            text = _generic_reply(messages)[:max_chars]
        return ProviderReply(text, LOCAL_MODEL, usage=None)

    def embed(self, texts: Sequence[str], *, model: str) -> list[list[float]]:
        if model == HASHED_EMBEDDING_MODEL:
            return [hashed_embedding(text, self.dimensions) for text in texts]
        return wordllama_embeddings(texts)


def _sentence_embedder():
    """Semantic similarity for choosing sentences when wordllama is installed; word overlap alone otherwise."""
    try:
        import wordllama  # noqa: F401
    except ImportError:
        return None
    return embed_matrix


def _generic_reply(messages: Sequence[Message]) -> str:
    """A fixed, content-free reply for prompts without sources or a question.

    It does not echo the prompt, so nothing a user typed (PII, secrets) comes back out.
    """
    words = sum(len(message.content.split()) for message in messages)
    return (
        "Local offline model: no tagged sources or 'Question:' line found "
        f"({len(messages)} message(s), {words} words). "
        "Set model_provider=openai-compatible for generative answers."
    )
