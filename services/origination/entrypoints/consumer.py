"""Origination's consumer: follows servicing's day-close to know the business date."""

from __future__ import annotations

import asyncpg

from shared.contracts import CloudEvent, parse_data
from shared.contracts.servicing import DayClosed
from shared.db import store_business_date
from shared.service import ConsumerSpec


async def on_servicing_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """`servicing.day.closed` for D: servicing's book rolled into D, so origination's business date is D."""
    if event.type != DayClosed.event_type:
        return
    closed = parse_data(event)
    await store_business_date(conn, closed.business_date)


def consumers() -> list[ConsumerSpec]:
    return [ConsumerSpec(name="business-date", sources=["servicing"], handler=on_servicing_event)]
