"""Pick the retrieval backend from settings: SQLite by default, PostgreSQL for scale-out.

`namespace` keeps separate indexes apart (the served one, the eval one): a file per
namespace for SQLite, a schema per namespace for PostgreSQL.
"""

from __future__ import annotations

import re

from .. import ENV_PREFIX
from ..config import RagSettings
from ..platform.errors import ConfigError
from ..platform.settings import Settings
from .store import ChunkStore


def open_store(settings: Settings, config: RagSettings, *, namespace: str = "main") -> ChunkStore:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", namespace):
        raise ValueError(f"index namespace {namespace!r}: use lowercase letters, digits and _")
    if config.retrieval_backend == "postgres":
        if not settings.database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"{ENV_PREFIX}DATABASE_URL must be a postgresql:// URL when {ENV_PREFIX}RAG_RETRIEVAL_BACKEND=postgres"
            )
        from .postgres_store import PostgresChunkStore

        return PostgresChunkStore(settings.database_url, schema=f"rag_{namespace}")
    from .sqlite_store import SqliteChunkStore

    return SqliteChunkStore(
        settings.path(settings.data_dir) / f"index-{namespace}.sqlite3", memory_index=config.memory_index
    )
