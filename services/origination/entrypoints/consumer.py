"""Origination's consumer: follows servicing's day-close to know the business date (and to forget
idempotency keys older than three days, as servicing does at its day-close), and servicing's
`loan.paid_off` to know when a debt closed (erasure's retention period counts from it)."""

from __future__ import annotations

import asyncpg

from shared import idempotency
from shared.contracts import CloudEvent, parse_data
from shared.contracts.servicing import DayClosed, LoanPaidOff
from shared.db import store_business_date
from shared.service import ConsumerSpec


async def on_servicing_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """`servicing.day.closed` for D: servicing's book rolled into D, so origination's business date is D."""
    if event.type == LoanPaidOff.event_type:
        paid = parse_data(event)
        await conn.execute("INSERT INTO loan_closures (loan_id, closed_on) VALUES ($1, $2) "
                           "ON CONFLICT (loan_id) DO NOTHING", paid.loan_id, paid.paid_off_on)
        return
    if event.type != DayClosed.event_type:
        return
    closed = parse_data(event)
    await store_business_date(conn, closed.business_date)
    await idempotency.purge_older_than(conn, hours=72)  # clients' Idempotency-Keys are kept three days


def consumers() -> list[ConsumerSpec]:
    return [ConsumerSpec(name="business-date", sources=["servicing"], handler=on_servicing_event)]
