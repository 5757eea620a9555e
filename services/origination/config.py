"""Settings of the origination service (prefix LOANFLOW_ORIGINATION_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings


class OriginationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_ORIGINATION_", extra="ignore")

    service_name: str = "origination"
    port: int = DEFAULT_PORTS["origination"]
