"""Business date and day-close.

Day-close for business date D is the batch that rolls the book into D (run by
`advance`, for each day in order, once):
- `loan.payment.missed` for each installment due on D − 1 still unpaid (DOMAIN.md §2: "A
  missed due date makes the loan overdue; days past due (DPD) count from the first unpaid
  due date"), and again when the loan's DPD (D − first unpaid due date) equals a
  configured boundary, so collections can stage it;
- penalty interest (罚息, "Late charges (罚金) accrue on overdue amounts") for the day on
  the overdue principal at the configured daily rate, rounded half-up to the fen, as
  `loan.charge.applied`;
- `loan.payment.due` for installments falling due on D + the reminder days;
- one `servicing.day.closed` (stream and key "business-date") at the end.
It is set-based: a few SQL statements over all loans, events appended in multi-row
inserts, all in one transaction with the `day_closes` row that makes a re-run a no-op.
"""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.servicing.adapters import dayclose_sql as sql
from services.servicing.adapters.batch_append import Envelopes, PendingEvent, append_many
from services.servicing.adapters.loan_repository import stream_of
from services.servicing.service_layer.handlers import SOURCE, Servicing, business_date
from shared import idempotency
from shared.contracts.registry import make_event
from shared.contracts.servicing import DayClosed
from shared.db import store_business_date
from shared.money import money_str

DAYCLOSE_LOCK = 0x44415943  # "DAYC"
BUSINESS_DATE_STREAM = "business-date"


async def advance(pool: asyncpg.Pool, svc: Servicing, to: date) -> list[dict[str, Any]]:
    """Run day-close for each day after the business date up to `to`, in order; closed days are skipped."""
    async with pool.acquire() as conn:
        day = await business_date(conn) + timedelta(days=1)
    closed = []
    while day <= to:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", DAYCLOSE_LOCK)
            if not await sql.already_closed(conn, day):
                closed.append(await close_day(conn, svc, day))
        day += timedelta(days=1)
    return closed


async def close_day(conn: asyncpg.Connection, svc: Servicing, day: date) -> dict[str, Any]:
    """Day-close for `day` inside the caller's transaction (see the module docstring)."""
    started = time.perf_counter()
    settings = svc.settings
    await conn.execute("LOCK TABLE loans IN EXCLUSIVE MODE")  # repayments wait; plain reads go on
    planned: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    overdue_since: dict[str, date] = {}
    penalties: list[tuple[str, str, Any, str]] = []
    boundaries = set(settings.dpd_boundaries)
    for r in await sql.overdue_loans(conn, day, settings.penalty_daily_rate):
        loan_id, since = r["loan_id"], r["since"]
        dpd = (day - since).days
        overdue_since[loan_id] = since
        events = planned.setdefault(loan_id, [])
        common = {"loan_id": loan_id, "amount_overdue": money_str(r["amount_overdue"]), "days_past_due": dpd,
                  "overdue_since": since.isoformat(), "principal_outstanding": money_str(r["principal_outstanding"])}
        if r["missed_number"] is not None:
            missed = {**common, "installment_number": r["missed_number"], "due_date": (day - timedelta(1)).isoformat()}
            if dpd in boundaries and since == day - timedelta(1):
                missed["dpd_boundary"] = dpd
            events.append(("loan.payment.missed", missed))
        if dpd in boundaries and since != day - timedelta(1):
            events.append(("loan.payment.missed", {**common, "installment_number": r["first_number"],
                                                   "due_date": since.isoformat(), "dpd_boundary": dpd}))
        if r["penalty"] > 0:
            charge_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"penalty/{loan_id}/{day.isoformat()}"))
            reason = f"罚息 for {day.isoformat()} on overdue principal {money_str(r['principal_overdue'])}"
            penalties.append((charge_id, loan_id, r["penalty"], reason))
            events.append(("loan.charge.applied", {"loan_id": loan_id, "charge_id": charge_id,
                                                   "kind": "penalty_interest", "amount": money_str(r["penalty"]),
                                                   "reason": reason}))
    for r in await sql.due_on(conn, day + timedelta(days=settings.reminder_days_before)):
        planned.setdefault(r["loan_id"], []).append(("loan.payment.due", {
            "loan_id": r["loan_id"], "installment_number": r["number"], "due_date": r["due_date"].isoformat(),
            "amount_due": money_str(r["amount_due"])}))
    ids = list(planned)
    bases = await sql.bump_versions(conn, ids, [len(planned[i]) for i in ids], [overdue_since.get(i) for i in ids])
    correlation = str(uuid.uuid4())
    envelopes = Envelopes(source=SOURCE, time=svc.clock.now(), businessdate=day, correlationid=correlation)
    pending = [
        PendingEvent(stream_of(loan_id), bases[loan_id] + n, loan_id,
                     envelopes.make(etype, loan_id, data, bases[loan_id] + n))
        for loan_id in ids for n, (etype, data) in enumerate(planned[loan_id], start=1)
    ]
    count = await append_many(conn, svc.store.topic, pending, settings.dayclose_batch)
    if penalties:
        await sql.insert_penalties(conn, day, *map(list, zip(*penalties, strict=True)))
    closed = make_event(SOURCE, DayClosed(business_date=day, loans_processed=len(ids)),
                        subject=BUSINESS_DATE_STREAM, businessdate=day, correlationid=correlation)
    await svc.store.append(conn, BUSINESS_DATE_STREAM, [closed], None, key=BUSINESS_DATE_STREAM)
    await store_business_date(conn, day)
    await idempotency.purge_older_than(conn, hours=72)  # partners' keys are kept three days
    seconds = time.perf_counter() - started
    await sql.record_closed(conn, day, len(ids), count + 1, seconds)
    return {"business_date": day.isoformat(), "loans_processed": len(ids), "events": count + 1,
            "seconds": round(seconds, 3)}
