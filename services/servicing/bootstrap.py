"""Wires the servicing service: kernel, consumers and routes. One place for app, consumer and tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from fastapi import FastAPI

from services.servicing.adapters import partners as partners_table
from services.servicing.adapters.borrower_identity import OriginationIdentities
from services.servicing.adapters.credit_bureau import FileCreditBureau
from services.servicing.config import ServicingSettings
from services.servicing.entrypoints.api.routes import business_date, credit_bureau, loans, partners, repayments
from services.servicing.service_layer.advance_jobs import AdvanceJobs
from services.servicing.service_layer.bureau_submitter import BureauSubmitter
from services.servicing.service_layer.command_handlers import COMMAND_HANDLERS
from services.servicing.service_layer.deps import Deps
from services.servicing.service_layer.handlers import Servicing, consumer_handler
from shared.auth import SERVICE_ROLE
from shared.clock import Clock, SystemClock
from shared.config import PlatformSettings
from shared.db import fetch_business_date, store_business_date
from shared.messagebus import CommandBus
from shared.ratelimit import TokenBuckets
from shared.secretbox import SecretBox
from shared.service import ConsumerSpec, ServiceKernel, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)


def bureau_identities(kernel: ServiceKernel, settings: ServicingSettings) -> OriginationIdentities:
    """Origination's identity endpoint, called with a short-lived token servicing signs for itself (role
    `service`, sub `servicing-bureau`: the actor origination's access audit records)."""
    def token() -> str:
        return str(kernel.issuer.issue("servicing-bureau", [SERVICE_ROLE], ttl_seconds=300))

    return OriginationIdentities(settings.origination_url, token, timeout=settings.bureau_identity_timeout_seconds)


def create_app(settings: ServicingSettings | None = None, platform: PlatformSettings | None = None,
               clock: Clock | None = None) -> FastAPI:
    """The servicing FastAPI app; relay and consumers start in its lifespan."""
    settings = settings or ServicingSettings()
    platform = platform or PlatformSettings()
    clock = clock or SystemClock()
    kernel = ServiceKernel("servicing", platform, platform.service_dsn("servicing", settings.database_url),
                           MIGRATIONS, clock=clock)
    bureau = None if settings.credit_bureau_dir is None else FileCreditBureau(settings.credit_bureau_dir)
    svc = Servicing(kernel.store, settings, clock, bureau)
    submitter = None if bureau is None else BureauSubmitter(
        kernel, bureau, bureau_identities(kernel, settings), poll_seconds=settings.bureau_poll_seconds,
        retry_base_seconds=settings.bureau_retry_base_seconds, retry_max_seconds=settings.bureau_retry_max_seconds,
        batch=settings.bureau_batch)
    handler = consumer_handler(svc)
    kernel.consumer_specs = [
        ConsumerSpec("loans", sources=["origination"], handler=handler),
        ConsumerSpec("collections", sources=["collections"], handler=handler),
    ]

    box = SecretBox(platform.secrets_key_material())

    async def set_first_business_date(k: ServiceKernel) -> None:
        async with k.db.acquire() as conn:
            if await fetch_business_date(conn) is None:
                first = date.fromisoformat(platform.start_date) if platform.start_date else clock.now().date()
                await store_business_date(conn, first)
            async with conn.transaction():
                await partners_table.seal_stored(conn, box)  # secrets stored before encryption at rest
        if bureau is not None and (problem := bureau.problem()) is not None:  # said, but no reason not to start
            log.warning("credit bureau: directory %s: %s; records stay queued until it can be written",
                        settings.credit_bureau_dir, problem)

    app = create_service_app(kernel, title="loanflow servicing", on_startup=set_first_business_date,
                             routers=[loans.router, repayments.router, business_date.router, partners.router,
                                      credit_bureau.router])
    app.state.servicing = svc
    app.state.bureau_submitter = submitter
    app.state.secret_box = box
    app.state.partner_limits = TokenBuckets(settings.partner_rate_per_second, settings.partner_burst)
    app.state.advance_jobs = jobs = AdvanceJobs(kernel, svc)
    app.state.bus = CommandBus(COMMAND_HANDLERS, Deps(kernel, svc, jobs, box))
    kernel_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kernel_lifespan(app):  # the pool lives longer than the advance jobs
            await jobs.open()
            if submitter is not None and platform.run_background:  # the bureau's relay, beside the outbox's
                await submitter.open()
            try:
                yield
            finally:
                if submitter is not None:
                    await submitter.close()
                await jobs.close()

    app.router.lifespan_context = lifespan
    return app
