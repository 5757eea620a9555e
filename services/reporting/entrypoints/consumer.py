"""The projection consumer: all three topics into the read models, position saved with the rows."""

from __future__ import annotations

import asyncpg

from services.reporting.config import ReportingSettings
from services.reporting.service_layer.handlers import handle_event
from shared.contracts import CloudEvent
from shared.contracts.origination import BorrowerErased
from shared.datakeys import KeyRing
from shared.service import ConsumerSpec

SOURCES = ("origination", "servicing", "collections")


def projection_consumer(settings: ReportingSettings, ring: KeyRing | None = None) -> ConsumerSpec:
    """One consumer group over every publishing service's topic; `loan.borrower.erased` also destroys
    reporting's copy of the borrower's key (issue 16)."""
    async def handle(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await handle_event(conn, event)
        if event.type == BorrowerErased.event_type and ring is not None:
            await ring.erase(conn, str(event.data["borrower_id"]))

    return ConsumerSpec(name=settings.consumer_name, sources=list(SOURCES), handler=handle)
