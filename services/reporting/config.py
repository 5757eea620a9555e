"""Settings of the reporting service (prefix LOANFLOW_REPORTING_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_REPORTING_", extra="ignore")

    service_name: str = "reporting"
    port: int = DEFAULT_PORTS["reporting"]
