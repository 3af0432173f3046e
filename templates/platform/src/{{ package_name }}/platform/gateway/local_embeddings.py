"""Offline semantic embeddings: wordllama's 256-dimension model, shipped inside its wheel.

`WordLlama.load()` looks for its tokenizer in the wrong folder and then tries to download it;
loading from the installed package folder with downloads disabled works offline (~0.2 s, once
per process). Vectors are L2-normalised, so a dot product is the cosine similarity: similar
paraphrases score about 0.6, unrelated text about 0. Similarity knows nothing about negation:
it ranks and screens evidence, it never proves that a claim is supported.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

WORDLLAMA_MODEL = "local-wordllama-256"
DIMENSIONS = 256

_lock = threading.Lock()
_model: Any = None


def wordllama_model() -> Any:
    """The process-wide model, loaded on first use (importing it costs ~0.25 s, so not at start-up)."""
    global _model
    with _lock:
        if _model is None:
            try:
                import wordllama
                from wordllama import WordLlama
            except ImportError as error:
                raise RuntimeError(
                    "local embeddings need wordllama: pip install 'wordllama>=0.4' "
                    "(or set EMBEDDING_MODEL=local-hashed-bow-256)"
                ) from error
            _model = WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True, dim=DIMENSIONS)
        return _model


def embed_matrix(texts: Sequence[str]) -> Any:
    """A float32 numpy matrix, one unit-length row per text (all zeros for a text with no known token)."""
    import numpy as np

    if not texts:
        return np.zeros((0, DIMENSIONS), np.float32)
    vectors = np.asarray(wordllama_model().embed(list(texts), norm=False), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def wordllama_embeddings(texts: Sequence[str]) -> list[list[float]]:
    return embed_matrix(texts).tolist()
