"""Business date and day-close.

Day-close for business date D is the batch that rolls the book into D (run by `advance`, for
each day in order, once): every active loan gets what the rule `domain/dayclose.day_close` says
(misses, DPD boundaries, the day's 罚息, reminders), then one `servicing.day.closed` (stream and
key "business-date"). It runs set-based: one SQL statement (`adapters/dayclose_events.py`,
tested against that rule) reads the facts, plans every event, and writes them through the event
store's `SetAppend` (envelopes, outbox) with the charges and the loans' read model; Python only
orchestrates. All in one transaction with the `day_closes` row that makes a re-run a no-op.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.servicing.adapters import dayclose_sql as sql
from services.servicing.adapters.dayclose_events import close_day_events
from services.servicing.service_layer.handlers import SOURCE, Servicing, business_date
from shared import idempotency
from shared.contracts.registry import make_event
from shared.contracts.servicing import DayClosed
from shared.db import store_business_date

DAYCLOSE_LOCK = 0x44415943  # "DAYC"
BUSINESS_DATE_STREAM = "business-date"


async def advance(pool: asyncpg.Pool, svc: Servicing, to: date, *,
                  on_day: Callable[[asyncpg.Connection, date], Awaitable[None]] | None = None,
                  stop: asyncio.Event | None = None) -> list[dict[str, Any]]:
    """Run day-close for each day after the business date up to `to`, in order; closed days are skipped.

    `on_day` runs in each day's transaction (an advance job counts its days there); `stop`, once
    set, ends the run between two days."""
    async with pool.acquire() as conn:
        day = await business_date(conn) + timedelta(days=1)
    closed = []
    while day <= to and not (stop is not None and stop.is_set()):
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", DAYCLOSE_LOCK)
            if not await sql.already_closed(conn, day):
                closed.append(await close_day(conn, svc, day))
            if on_day is not None:
                await on_day(conn, day)
        day += timedelta(days=1)
    return closed


async def close_day(conn: asyncpg.Connection, svc: Servicing, day: date) -> dict[str, Any]:
    """Day-close for `day` inside the caller's transaction (see the module docstring)."""
    settings = svc.settings
    watch = Stopwatch()
    await conn.execute("LOCK TABLE loans IN EXCLUSIVE MODE")  # repayments wait; plain reads go on
    correlation = str(uuid.uuid4())
    written = await close_day_events(
        conn, svc.store, day=day, penalty_rate=settings.penalty_daily_rate,
        reminder_days=settings.reminder_days_before, boundaries=list(settings.dpd_boundaries), source=SOURCE,
        time=svc.clock.now(), correlationid=correlation)
    count, loans = written["events"], written["loans"]
    watch.lap("events")
    closed = make_event(SOURCE, DayClosed(business_date=day, loans_processed=loans),
                        subject=BUSINESS_DATE_STREAM, businessdate=day, correlationid=correlation)
    await svc.store.append(conn, BUSINESS_DATE_STREAM, [closed], None, key=BUSINESS_DATE_STREAM)
    await store_business_date(conn, day)
    await idempotency.purge_older_than(conn, hours=72)  # partners' keys are kept three days
    await sql.record_closed(conn, day, loans, count + 1, watch.total)
    watch.lap("finish")
    return {"business_date": day.isoformat(), "loans_processed": loans, "events": count + 1,
            "seconds": round(watch.total, 3), "steps": watch.laps}


class Stopwatch:
    """Seconds per step of a day-close (reported in its answer and by the bench)."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 4)
        self.last = now

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started
