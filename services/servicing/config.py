"""Settings of the servicing service (prefix LOANFLOW_SERVICING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings


class ServicingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_SERVICING_", extra="ignore")

    service_name: str = "servicing"
    port: int = DEFAULT_PORTS["servicing"]
