"""Settings of the knowledge service: how documents are chunked, embedded, retrieved and filtered.

A pattern subclasses `KnowledgeSettings` to give its own environment prefix and defaults (the
retrieval pattern reads `<PROJECT>_RAG_TOP_K` and so on); the platform code only sees these fields.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ... import ENV_PREFIX
from ..auth import CLEARANCES

# Embedding model -> minimum support calibrated for it (benchmarks/bench_knowledge.py, tuned split only).
CALIBRATED_MIN_SUPPORT = {"local-wordllama-256": 0.38}


class KnowledgeSettings(BaseSettings):
    """Chunking, retrieval, freshness and governance defaults of one knowledge index."""

    model_config = SettingsConfigDict(env_prefix=f"{ENV_PREFIX}KNOWLEDGE_", env_file=".env", extra="ignore")

    retrieval_backend: Literal["sqlite", "postgres"] = "sqlite"
    corpus_dir: Path = Path("corpus")
    top_k: int = Field(default=5, ge=1, le=50)
    # BM25 and vector results fused by reciprocal rank (vectors from the gateway's embedding model).
    hybrid: bool = True
    # At most this many chunks of one document in the top k: big documents do not crowd out small ones.
    max_chunks_per_document: int = Field(default=2, ge=1)
    # A caller of `search` may refuse when no hit is this similar to the question (cosine of the
    # embeddings). A cosine threshold means something only for the model it was calibrated on: unset, it is
    # that model's value in CALIBRATED_MIN_SUPPORT (wordllama: the tuned split of benchmarks/bench_knowledge.py),
    # and 0 (no refusal on support) for any other embedding model until the team calibrates and sets it.
    min_support: float | None = Field(default=None, ge=0.0, le=1.0)
    # A question whose words the index has never seen is about something else: the evidence score is
    # support minus this penalty times the share of the question's words found in no visible chunk.
    # Absence from a small index says little (a paraphrase's everyday words may simply not occur), so the
    # penalty grows with the index's vocabulary and applies in full from `full_vocabulary` distinct terms.
    unknown_word_penalty: float = Field(default=0.4, ge=0.0, le=1.0)
    full_vocabulary: int = Field(default=5_000, ge=1)
    # Sections that point elsewhere or hold code rather than prose ("See also" lists describe *other*
    # documents): a chunk whose own section has one of these headings counts as ranked
    # `section_demotion` times lower in the fusion, so it answers only when nothing else matches.
    demoted_sections: list[str] = ["See also", "References", "Examples"]
    section_demotion: float = Field(default=10.0, ge=1.0)
    freshness_days: int = Field(default=365, ge=1)
    stale_policy: Literal["downrank", "exclude"] = "downrank"
    stale_penalty: float = Field(default=0.5, gt=0, le=1)
    chunk_chars: int = Field(default=800, ge=100, le=20_000)
    chunk_overlap_chars: int = Field(default=120, ge=0)
    default_classification: str = "internal"
    default_owner: str = "unassigned"
    default_permissible_use: list[str] = ["question-answering"]
    purpose: str = "question-answering"
    max_document_chars: int = Field(default=2_000_000, ge=1)
    # SQLite backend: answer searches from an in-memory snapshot (numpy) instead of FTS5 and a scan.
    memory_index: bool = True

    def support_floor(self, embedding_model: str) -> float:
        """`min_support` when set, else the value calibrated for `embedding_model` (0 when none was)."""
        if self.min_support is not None:
            return self.min_support
        return CALIBRATED_MIN_SUPPORT.get(embedding_model, 0.0)

    def env_name(self, field: str) -> str:
        """The environment variable that sets `field`, for error messages."""
        return f"{self.model_config.get('env_prefix', '')}{field}".upper()

    @field_validator("default_classification")
    @classmethod
    def _known_classification(cls, value: str) -> str:
        if value not in CLEARANCES:
            raise ValueError(f"must be one of {', '.join(CLEARANCES)}")
        return value

    @model_validator(mode="after")
    def _overlap_below_half(self) -> KnowledgeSettings:
        if self.chunk_overlap_chars >= self.chunk_chars // 2:
            raise ValueError(
                f"{self.env_name('chunk_overlap_chars')} must be less than half of {self.env_name('chunk_chars')}"
            )
        return self
