"""Wires the servicing service: kernel, consumers and routes. One place for app, consumer and tests."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.servicing.config import ServicingSettings
from shared.clock import Clock
from shared.config import PlatformSettings
from shared.service import ServiceKernel, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ServicingSettings | None = None, platform: PlatformSettings | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The servicing FastAPI app; relay and consumers start in its lifespan."""
    settings = settings or ServicingSettings()
    platform = platform or PlatformSettings()
    kernel = ServiceKernel("servicing", platform, platform.service_dsn("servicing", settings.database_url), MIGRATIONS,
                           clock=clock, consumers=[])
    return create_service_app(kernel, title="loanflow servicing", routers=[])
