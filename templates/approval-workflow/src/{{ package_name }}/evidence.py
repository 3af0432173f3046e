"""Where a proposal's evidence comes from: the platform knowledge service, behind one small interface.

The proposer looks up the facts behind a request (the order's record, the policy that applies)
and the rationale cites them as `[E1]`, `[E2]` ... `KnowledgeEvidence` keeps the project's
`knowledge/` folder (orders, policies; Markdown with front matter) in a knowledge index of its
own, ingested incrementally when the service starts, and searches it under the proposing
client's clearance, like every other retrieval in the platform. Any object with the same
`search` (a CRM lookup, another index) can stand in for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pydantic_settings import SettingsConfigDict

from . import ENV_PREFIX
from .platform.errors import ConfigError
from .platform.knowledge import KnowledgeService, KnowledgeSettings
from .platform.runtime import Runtime

NAMESPACE = "approvals"
PURPOSE = "approval-evidence"


@dataclass(frozen=True)
class Evidence:
    """One passage: `id` names the document and chunk (`order-981#0`), `version` the document version."""

    id: str
    title: str
    text: str
    score: float
    version: str = ""


class EvidenceSource(Protocol):
    def search(self, query: str, *, k: int = 4, clearance: str = "internal") -> list[Evidence]: ...


class EvidenceSettings(KnowledgeSettings):
    """The evidence index: `<PREFIX>APPROVAL_KNOWLEDGE_CORPUS_DIR` and the platform's other knowledge settings."""

    model_config = SettingsConfigDict(env_prefix=f"{ENV_PREFIX}APPROVAL_KNOWLEDGE_", env_file=".env", extra="ignore")

    corpus_dir: Path = Path("knowledge")
    top_k: int = 4
    purpose: str = PURPOSE
    default_permissible_use: list[str] = [PURPOSE]


class KnowledgeEvidence:
    """Evidence from the platform knowledge service over the project's knowledge folder."""

    def __init__(self, knowledge: KnowledgeService) -> None:
        self.knowledge = knowledge

    @classmethod
    def from_runtime(cls, runtime: Runtime, settings: EvidenceSettings | None = None) -> KnowledgeEvidence:
        """Open the evidence index and bring it up to date with the folder (unchanged files are skipped)."""
        settings = settings or EvidenceSettings()
        knowledge = KnowledgeService.from_runtime(runtime, settings, namespace=NAMESPACE)
        folder = runtime.settings.path(settings.corpus_dir)
        if folder.is_dir():
            report = knowledge.ingest_folder(folder)
            if report.failed:
                knowledge.close()
                first, reason = next(iter(report.failed.items()))
                raise ConfigError(
                    f"{settings.env_name('corpus_dir')}: {len(report.failed)} file(s) not indexed: {reason}"
                )
        return cls(knowledge)

    def search(self, query: str, *, k: int = 4, clearance: str = "internal") -> list[Evidence]:
        hits = self.knowledge.search(query, clearance, top_k=k)
        return [
            Evidence(
                id=f"{hit.document.id}#{hit.chunk.ordinal}",
                title=hit.document.title,
                text=hit.chunk.text,
                score=round(hit.score, 4),
                version=hit.document.fingerprint[:12],
            )
            for hit in hits
        ]

    def close(self) -> None:
        self.knowledge.close()
