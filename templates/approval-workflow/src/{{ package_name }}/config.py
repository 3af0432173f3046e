"""Settings of the approval workflow, beside the platform's (same env prefix, `APPROVAL_` after it).

Example: `APPROVAL_WORKFLOW_APPROVAL_WEBHOOK_URL=https://hooks.example.com/approvals` (the project's
prefix first). The database is the platform's: SQLite under the data directory unless
`DATABASE_URL` names a PostgreSQL server, where the tables live in schema `APPROVAL_DB_SCHEMA`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import ENV_PREFIX

PREFIX = f"{ENV_PREFIX}APPROVAL_"
PLACEHOLDERS = {"", "changeme", "change-me", "secret", "dev", "test", "xxx", "placeholder"}


class ApprovalSettings(BaseSettings):
    """Who proposes, where the evidence is, how work is executed and who hears about it."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_file=".env", extra="ignore")

    # local: the offline parser turns requests into actions; model: the configured model, JSON-schema bound.
    proposer: Literal["local", "model"] = "local"
    db_schema: str = Field(default="approvals", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    # Background workers `serve` runs (execution retries, expiry, SLA escalation, webhooks, audit
    # drain); 0 when separate `worker` processes do it.
    worker_threads: int = Field(default=1, ge=0, le=16)
    # Execute right after the approval that completes a proposal (the worker remains the backstop).
    execute_inline: bool = True
    poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    execution_attempts: int = Field(default=3, ge=1, le=20)
    webhook_url: str = ""
    webhook_secret: SecretStr = SecretStr("")

    @model_validator(mode="after")
    def _webhooks_are_signed(self) -> ApprovalSettings:
        if self.webhook_url and self.webhook_secret.get_secret_value().strip().lower() in PLACEHOLDERS:
            raise ValueError(f"{PREFIX}WEBHOOK_SECRET must be set to a real secret when {PREFIX}WEBHOOK_URL is set")
        if self.webhook_url and not self.webhook_url.startswith(("https://", "http://")):
            raise ValueError(f"{PREFIX}WEBHOOK_URL must be an http(s) URL")
        return self


@lru_cache
def get_approval_settings() -> ApprovalSettings:
    return ApprovalSettings()
