"""Wires the origination service: kernel, consumers, the command bus and routes. One place for app and tests."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.origination.adapters import blacklist
from services.origination.adapters.credit_bureau import make_credit_bureau
from services.origination.config import OriginationSettings
from services.origination.entrypoints.api.routes.applications import router as applications
from services.origination.entrypoints.api.routes.borrowers import data_keys_router
from services.origination.entrypoints.api.routes.borrowers import router as borrowers
from services.origination.entrypoints.consumer import consumers
from services.origination.service_layer.deps import Deps
from services.origination.service_layer.handlers import COMMAND_HANDLERS
from shared.access_audit import access_audit_router
from shared.clock import Clock
from shared.config import PlatformSettings
from shared.datakeys import KeyRing
from shared.messagebus import CommandBus
from shared.secretbox import SecretBox
from shared.service import ServiceKernel, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: OriginationSettings | None = None, platform: PlatformSettings | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The origination FastAPI app; relay and consumers start in its lifespan."""
    settings = settings or OriginationSettings()
    platform = platform or PlatformSettings()
    kernel = ServiceKernel("origination", platform, platform.service_dsn("origination", settings.database_url),
                           MIGRATIONS, clock=clock, consumers=consumers())
    secret = platform.secrets_key_material()

    async def secure_blacklist(kernel: ServiceKernel) -> None:  # see migration 0005: needs the secrets key
        async with kernel.db.acquire() as conn:
            await blacklist.secure_at_start(conn, secret)

    app = create_service_app(kernel, title="loanflow origination",
                             routers=[applications, borrowers, data_keys_router,
                                      access_audit_router(subject_alias="application_id")],
                             on_startup=secure_blacklist)
    app.state.bus = CommandBus(COMMAND_HANDLERS, Deps(
        kernel=kernel, rules=settings.product_rules(),
        bureau=make_credit_bureau(settings.credit_bureau, settings.credit_bureau_file),
        ring=KeyRing(SecretBox(secret)), secret=secret,
        retention_days=settings.erasure_retention_days))
    return app
