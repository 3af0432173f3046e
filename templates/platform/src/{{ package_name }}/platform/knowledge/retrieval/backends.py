"""Pick the retrieval backend from settings: SQLite by default, PostgreSQL for scale-out.

`namespace` keeps separate indexes apart (the served one, the eval one): a file per
namespace for SQLite, a schema per namespace for PostgreSQL.
"""

from __future__ import annotations

import re

from .... import ENV_PREFIX
from ...errors import ConfigError
from ...settings import Settings
from ..settings import KnowledgeSettings
from .store import ChunkStore


def open_store(settings: Settings, config: KnowledgeSettings, *, namespace: str = "main") -> ChunkStore:
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", namespace):
        raise ValueError(f"index namespace {namespace!r}: use lowercase letters, digits and _")
    if config.retrieval_backend == "postgres":
        if not settings.database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(
                f"{ENV_PREFIX}DATABASE_URL must be a postgresql:// URL "
                f"when {config.env_name('retrieval_backend')}=postgres"
            )
        from .postgres_store import PostgresChunkStore

        return PostgresChunkStore(settings.database_url, schema=f"knowledge_{namespace}")
    from .sqlite_store import SqliteChunkStore

    return SqliteChunkStore(
        settings.path(settings.data_dir) / f"index-{namespace}.sqlite3", memory_index=config.memory_index
    )
