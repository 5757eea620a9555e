"""Settings of the workbench (prefix LOANFLOW_WORKBENCH_; the services' URLs as LOANFLOW_<SERVICE>_URL)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.config import DEFAULT_PORTS

WORKBENCH_PORT = 8000


def _default_url(service: str) -> str:
    return f"http://127.0.0.1:{DEFAULT_PORTS[service]}"


class WorkbenchSettings(BaseSettings):
    """Where the four APIs are, how long a session lasts, how production sign-in arrives."""

    model_config = SettingsConfigDict(env_prefix="LOANFLOW_WORKBENCH_", extra="ignore", populate_by_name=True)

    port: int = WORKBENCH_PORT
    origination_url: str = Field(default=_default_url("origination"),
                                 validation_alias=AliasChoices("LOANFLOW_ORIGINATION_URL"))
    servicing_url: str = Field(default=_default_url("servicing"),
                               validation_alias=AliasChoices("LOANFLOW_SERVICING_URL"))
    collections_url: str = Field(default=_default_url("collections"),
                                 validation_alias=AliasChoices("LOANFLOW_COLLECTIONS_URL"))
    reporting_url: str = Field(default=_default_url("reporting"),
                               validation_alias=AliasChoices("LOANFLOW_REPORTING_URL"))
    api_timeout_seconds: float = 10.0
    session_hours: int = 10  # a working day; a dev-login token lives as long
    # signed-out sessions (token hashes and expiries); default <LOANFLOW_HOME>/workbench/revoked-sessions
    revoked_sessions_file: Path | None = None
    # several hosts (k8s replicas): signed-out sessions in PostgreSQL instead, read by every replica
    database_url: str | None = None
    revocation_refresh_seconds: float = Field(default=0.0, ge=0)  # 0: new sign-outs read before every request
    # Production: the OIDC proxy in front passes the company JWT in this header (oauth2-proxy: --pass-access-token).
    trusted_token_header: str = "X-Forwarded-Access-Token"
    # Secure cookies (HTTPS only); on by default in production.
    secure_cookies: bool | None = None
    timezone: str = "Asia/Shanghai"  # the collectors' local day (contacted today, days since contact)
    queue_fetch_limit: int = 2000  # the most open cases one collector's queue page loads
    # sign-in attempts (/login POST, /dev-login): a token bucket per user name and one per client address
    signin_per_minute: float = Field(default=5.0, gt=0)
    signin_burst: int = Field(default=10, ge=1)
    signin_ip_per_minute: float = Field(default=60.0, gt=0)
    signin_ip_burst: int = Field(default=100, ge=1)

    def api_urls(self) -> dict[str, str]:
        """Service name -> base URL (no trailing slash)."""
        return {"origination": self.origination_url.rstrip("/"), "servicing": self.servicing_url.rstrip("/"),
                "collections": self.collections_url.rstrip("/"), "reporting": self.reporting_url.rstrip("/")}
