"""Runtime settings: one pydantic-settings class, read from the environment and `.env`.

Everything that differs between a laptop and production lives here; what the
organisation decides (tier, budget, thresholds) lives in `governance.yml` instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
)

from .. import ENV_PREFIX
from .auth import ApiClient
from .errors import ConfigError

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev", "test", "xxx", "placeholder"}


S = TypeVar("S", bound=BaseSettings)


class Settings(BaseSettings):
    """Settings for one process; `mode=local` is the offline default."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore", env_nested_delimiter="__")

    mode: Literal["local", "production"] = "local"
    project_root: Path = Path(".")
    data_dir: Path = Path("var")
    governance_file: Path = Path("governance.yml")
    policies_dir: Path = Path("policies")
    prompts_dir: Path = Path("prompts")
    evals_dir: Path = Path("evals")

    model_provider: Literal["local", "openai-compatible"] = "local"
    model: str = "local-extractive"
    openai_base_url: str = "http://localhost:8000/v1"
    openai_api_key: SecretStr = SecretStr("")
    embedding_model: str = "text-embedding-3-small"
    request_timeout_s: float = Field(30.0, gt=0)  # one provider call
    request_deadline_s: float = Field(60.0, gt=0)  # one model request, across retries and fallbacks
    shutdown_drain_s: float = Field(20.0, gt=0)  # on SIGTERM, in-flight requests get this long to finish

    database_url: str = ""
    # Where the budget ledger and audit chain live: `auto` = PostgreSQL when DATABASE_URL is one, else SQLite.
    state_backend: Literal["auto", "sqlite", "postgres"] = "auto"
    audit_hmac_key: SecretStr = SecretStr("")
    # Keys input/output hashes (HMAC); unset: a random key generated next to the audit log.
    audit_hash_key: SecretStr = SecretStr("")
    # Checkpoints of the audit log's head are appended here and verified against; default var/.
    audit_checkpoint_file: Path | None = None
    api_clients: dict[str, ApiClient] = {}
    alert_webhook_url: str = ""
    record_content: bool = False
    # Pin prompt versions ({"answer": "1.0.0"}): rollbacks, shadow candidates and `eval --pin` use it.
    prompt_versions: dict[str, str] = {}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Secrets may also be files named like their variable (`{ENV_PREFIX}API_CLIENTS`) in
        `{ENV_PREFIX}SECRETS_DIR`: a mounted Kubernetes Secret, never an environment variable."""
        secrets_dir = os.environ.get(f"{ENV_PREFIX}SECRETS_DIR", "").strip()
        if secrets_dir:
            if not Path(secrets_dir).is_dir():
                raise ValueError(f"{ENV_PREFIX}SECRETS_DIR={secrets_dir!r} is not a directory")
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=secrets_dir)
        return init_settings, env_settings, dotenv_settings, file_secret_settings

    @model_validator(mode="after")
    def _refuse_placeholders_outside_local(self) -> Settings:
        if self.mode == "local":
            return self
        if self.model_provider == "openai-compatible" and self._is_placeholder(self.openai_api_key):
            raise ValueError(f"{ENV_PREFIX}OPENAI_API_KEY must be a real secret when mode=production")
        if not self.api_clients:
            raise ValueError(f"{ENV_PREFIX}API_CLIENTS must define at least one client when mode=production")
        for name, client in self.api_clients.items():
            if client.key.strip().lower() in PLACEHOLDER_SECRETS or client.key == "local-dev-key":
                raise ValueError(f"{ENV_PREFIX}API_CLIENTS: key for {name!r} is a placeholder")
        return self

    @staticmethod
    def _is_placeholder(secret: SecretStr) -> bool:
        return secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS

    def path(self, relative: Path) -> Path:
        """Resolve a configured path against the project root."""
        return relative if relative.is_absolute() else self.project_root / relative

    @property
    def db_path(self) -> Path:
        """SQLite file for the embedded default store."""
        directory = self.path(self.data_dir)
        directory.mkdir(parents=True, exist_ok=True)
        return directory / "app.sqlite3"


@lru_cache
def get_settings() -> Settings:
    return load_settings(Settings)


def load_settings(kind: type[S]) -> S:
    """`kind()` from the environment; a bad value is a ConfigError naming the variable and what it got."""
    try:
        return kind()
    except ValidationError as error:
        first = error.errors()[0]
        if not first["loc"]:  # a check across fields: its message names the settings
            raise ConfigError(first["msg"].removeprefix("Value error, ")) from error
        name = (kind.model_config.get("env_prefix", "") + "__".join(map(str, first["loc"]))).upper()
        raise ConfigError(f"{name}={first.get('input')}: {first['msg']}") from error
