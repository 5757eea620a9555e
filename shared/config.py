"""Configuration from environment variables (pydantic-settings).

Platform-wide settings use the prefix ``LOANFLOW_``; each service adds its own class with
the prefix ``LOANFLOW_<SERVICE>_`` for its knobs. Nothing is read at import time.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

import platformdirs
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICES = ("origination", "servicing", "collections", "reporting")
DEFAULT_PORTS = {"origination": 8001, "servicing": 8002, "collections": 8003, "reporting": 8004}


def default_home() -> Path:
    """The state directory when LOANFLOW_HOME is unset: the user's data directory
    (`~/.local/share/loanflow` on Linux, `~/Library/Application Support/loanflow` on macOS)."""
    return platformdirs.user_data_path("loanflow")


class MissingKey(FileNotFoundError):
    """A development key that only `loanflow up` creates is not there."""


class PlatformSettings(BaseSettings):
    """Settings every process shares (prefix LOANFLOW_)."""

    model_config = SettingsConfigDict(env_prefix="LOANFLOW_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    home: Path = Field(default_factory=default_home)
    database_url: str | None = None  # server URL; each service uses its own database on it
    kafka_bootstrap: str | None = None
    topic_prefix: str = "loanflow"
    topic_partitions: int = 6
    jwt_secret: SecretStr | None = None
    secrets_key: SecretStr | None = None  # encrypts secrets kept at rest (partners' HMAC keys)
    log_level: str = "INFO"
    log_json: bool = True
    host: str = "127.0.0.1"
    run_background: bool = True  # relay + consumers inside the API process
    migrate_on_start: bool = True
    consumer_session_timeout_ms: int = 10_000
    # The broker keeps nothing across a restart (the embedded one, memory only; `loanflow up` sets it
    # for that broker alone). Relays and consumers then fence their Kafka clients (shared/fence.py)
    # so the restarted broker gets every event log republished in order. Never on Apache Kafka.
    broker_ephemeral: bool = False
    ready_stale_seconds: float = 30.0  # /readyz: a relay or consumer poll older than this is stale
    start_date: str | None = None  # first business date (ISO) for a new installation

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> PlatformSettings:
        if self.env == "production" and self.jwt_secret is None:
            raise ValueError("LOANFLOW_JWT_SECRET must be set in production")
        if self.env == "production" and self.secrets_key is None:
            raise ValueError("LOANFLOW_SECRETS_KEY must be set in production")
        return self

    def topic(self, service: str) -> str:
        """Kafka topic a service publishes to, e.g. loanflow.servicing."""
        return f"{self.topic_prefix}.{service}"

    def signing_key(self, *, create: bool = True) -> str:
        """JWT signing key: the env secret, else a dev key under LOANFLOW_HOME (generated when
        `create`; the command-line tools pass False and get MissingKey instead)."""
        return self._key(self.jwt_secret, "jwt.key", create)

    def secrets_key_material(self, *, create: bool = True) -> str:
        """Key for secrets at rest: LOANFLOW_SECRETS_KEY, else a dev key under LOANFLOW_HOME."""
        return self._key(self.secrets_key, "secrets.key", create)

    def _key(self, configured: SecretStr | None, filename: str, create: bool) -> str:
        if configured is not None:
            return configured.get_secret_value()
        path = self.home / filename
        if not path.exists():
            if not create:
                raise MissingKey(f"no key at {path}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def service_dsn(self, service: str, override: str | None = None) -> str:
        """The service's own database: its override, else `loanflow_<service>` on database_url."""
        if override:
            return override
        if not self.database_url:
            raise ValueError("LOANFLOW_DATABASE_URL is not set (loanflow up sets it)")
        return with_database(self.database_url, f"{self.topic_prefix}_{service}".replace(".", "_"))


def with_database(url: str, database: str) -> str:
    """Same server URL pointing at another database."""
    parts = urlsplit(url.replace("postgresql+asyncpg://", "postgresql://"))
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


class ServiceSettings(BaseSettings):
    """Base of each service's own settings; subclasses set env_prefix LOANFLOW_<SERVICE>_."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = ""
    port: int = 0
    database_url: str | None = None

    def platform(self) -> PlatformSettings:
        return PlatformSettings()
