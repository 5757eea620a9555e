"""Wires the reporting service: kernel, consumers and routes. One place for app, consumer and tests."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.reporting.config import ReportingSettings
from services.reporting.entrypoints.api.routes import arms, reports, timeline
from services.reporting.entrypoints.consumer import projection_consumer
from shared.access_audit import access_audit_router
from shared.clock import Clock
from shared.config import PlatformSettings
from shared.datakeys import key_ring
from shared.service import ServiceKernel, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: ReportingSettings | None = None, platform: PlatformSettings | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The reporting FastAPI app; relay and consumers start in its lifespan."""
    settings = settings or ReportingSettings()
    platform = platform or PlatformSettings()
    kernel = ServiceKernel("reporting", platform, platform.service_dsn("reporting", settings.database_url), MIGRATIONS,
                           clock=clock)
    ring = key_ring(kernel, settings.origination_url)  # copies of the borrowers' data keys (issue 16)
    kernel.consumer_specs = [projection_consumer(settings, ring)]
    app = create_service_app(kernel, title="loanflow reporting", routers=[reports.router, arms.router, timeline.router,
                                                                            access_audit_router()])
    app.state.reporting_settings = settings
    app.state.ring = ring
    return app
