"""Settings of the copilot, beside the platform's (same env prefix, `COPILOT_` after it).

The evidence ledger is on the platform's database: `evidence.sqlite3` under the data directory
unless `DATABASE_URL` names a PostgreSQL server, where its tables live in schema `COPILOT_DB_SCHEMA`
(every replica then reads and appends to one ledger).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import ENV_PREFIX


class CopilotSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=f"{ENV_PREFIX}COPILOT_", env_file=".env", extra="ignore")

    db_schema: str = Field(default="evidence", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
