"""Settings of the collections service (prefix LOANFLOW_COLLECTIONS_)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings


class CollectionsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_COLLECTIONS_", extra="ignore")

    service_name: str = "collections"
    port: int = DEFAULT_PORTS["collections"]
