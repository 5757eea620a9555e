"""Consumers of servicing's and origination's events: open, escalate, cure and close cases.

Redelivery is harmless (the inbox skips handled event ids). Out-of-order delivery is
handled per loan: the loan directory keeps the highest servicing sequence seen, an older
missed-payment notice after a newer "current" never opens a case, and an episode (loan,
first unpaid due date) can have only one case (unique constraints in the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.domain.case import Case
from services.collections.service_layer.context import Collections
from shared.clock import business_day_after
from shared.contracts import CloudEvent, UnknownEventType, parse_data
from shared.contracts import origination as og
from shared.contracts import servicing as sv
from shared.db import fetch_business_date, store_business_date

log = logging.getLogger(__name__)
DAY_CLOSE_BATCH = 1000


def make_handler(ctx: Collections):  # type: ignore[no-untyped-def]
    """The inbox handler for both source topics."""

    async def handle(conn: asyncpg.Connection, event: CloudEvent) -> None:
        try:
            data = parse_data(event)
        except UnknownEventType:
            return
        if isinstance(data, sv.DayClosed):
            await on_day_closed(ctx, conn, event, data)
            return
        if event.source == "servicing" or event.type.startswith(("loan.payment", "loan.paid", "loan.written")):
            await store_business_date(conn, event.businessdate)
        handler = HANDLERS.get(event.type)
        if handler is not None:
            await handler(ctx, conn, event, data)

    return handle


async def on_disbursed(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                       data: og.LoanDisbursed) -> None:
    await directory.record_disbursed(conn, data)
    await _recheck_segregation(ctx, conn, event, [data.loan_id])


async def _recheck_segregation(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                               loan_ids: list[str]) -> None:
    """Origination news arriving after a case was assigned: take it away from an originator."""
    people = await directory.originators(conn, loan_ids)
    for loan_id in loan_ids:
        loaded = await _open_case(ctx, conn, loan_id)
        if loaded is None or loaded[0].state.assignee not in people[loan_id]:
            continue
        case, version = loaded
        case.pending.needs_assignment = True
        await ctx.save(conn, case, version, await ctx.business_date(conn), cause=event)


async def on_origination_step(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent, data: object) -> None:
    """Remember who filed, reviewed, investigated and approved an application (segregation of duties)."""
    if isinstance(data, og.ApplicationSubmitted):
        person, role = data.submitted_by, "marketer"
    elif isinstance(data, og.ApplicationReviewed):
        person, role = data.reviewer, f"reviewer:{data.stage}"
    elif isinstance(data, og.ApplicationInvestigated):
        person, role = data.investigator, "investigator"
    elif isinstance(data, og.ApplicationApproved):
        person, role = data.approved_by, "approver"
    else:
        return
    await directory.record_originator(conn, data.application_id, person, role)
    await _recheck_segregation(ctx, conn, event, await directory.loans_of_application(conn, data.application_id))


async def on_missed(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent, data: sv.PaymentMissed) -> None:
    """A missed installment: open a case on the first miss of an episode, else refresh the open one."""
    seen_seq, seen_status = await directory.observe_servicing(conn, data.loan_id, event.sequence, "overdue")
    stale = event.sequence < seen_seq
    data = await _caught_up(conn, event, data)
    business_date = event.businessdate
    open_id, seen, episode = await case_rows.episodes(conn, data.loan_id, data.overdue_since)
    if open_id is not None:
        if stale:
            return  # an older notice than one already applied: nothing new in it
        loaded = await case_rows.load(conn, open_id, ctx.rules)
        assert loaded is not None
        case, version = loaded
        case.observe_missed(days_past_due=data.days_past_due, overdue_since=data.overdue_since,
                            amount_overdue=data.amount_overdue, principal_outstanding=data.principal_outstanding)
        await ctx.save(conn, case, version, business_date, cause=event)
        return
    if stale and seen_status in directory.FINISHED:
        log.info("stale missed-payment notice for %s (seq %s < %s, loan %s)", data.loan_id, event.sequence,
                 seen_seq, seen_status)
        return
    if seen:
        return  # this episode already had its case (resolved since)
    case = Case.open(case_id=f"{data.loan_id}-E{episode}", loan_id=data.loan_id, episode=episode,
                     days_past_due=data.days_past_due, overdue_since=data.overdue_since,
                     amount_overdue=data.amount_overdue, principal_outstanding=data.principal_outstanding,
                     business_date=business_date, rules=ctx.rules,
                     tags=await case_rows.earlier_tags(conn, data.loan_id) if episode > 1 else None)
    await ctx.save(conn, case, 0, business_date, cause=event)


async def _caught_up(conn: asyncpg.Connection, event: CloudEvent, data: sv.PaymentMissed) -> sv.PaymentMissed:
    """A notice that reaches us after later day-closes: its DPD brought up to the last closed day.

    Notices travel on the loan's partition and day-closes on another, so after a consumer
    restart or rebalance the day-closes of later dates may already have been applied; those
    did not count this episode's DPD up, so the notice's own figure would be stale for good.
    """
    known = await fetch_business_date(conn)  # the day now open: the day after the last day-close
    if known is None or known - timedelta(days=1) <= event.businessdate:
        return data
    last_closed = known - timedelta(days=1)
    return data.model_copy(update={"days_past_due": max(data.days_past_due, (last_closed - data.overdue_since).days)})


async def on_payment(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                     data: sv.PaymentReceived) -> None:
    """A payment: attribute recovery, count toward promises, cure or close the case."""
    seen_seq, _ = await directory.observe_servicing(conn, data.loan_id, event.sequence, data.status)
    loaded = await _open_case(ctx, conn, data.loan_id)
    if loaded is None:
        await _recovery_after_write_off(ctx, conn, event, data)
        return
    case, version = loaded
    fresh = event.sequence >= seen_seq
    case.observe_payment(payment_id=data.payment_id, amount=data.amount, paid_on=event.businessdate,
                         loan_status=data.status if fresh else "overdue", days_past_due=data.days_past_due,
                         overdue_since=data.overdue_since if fresh else None, amount_overdue=None)
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def _recovery_after_write_off(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                                    data: sv.PaymentReceived) -> None:
    latest = await case_rows.latest_case_id(conn, data.loan_id)
    if latest is None or latest[1] != "written_off":
        return
    loaded = await case_rows.load(conn, latest[0], ctx.rules)
    assert loaded is not None
    case, version = loaded
    case.attribute_recovery(data.payment_id, data.amount)
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def on_charge(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                    data: sv.ChargeApplied) -> None:
    """A charge on a loan in collections is totalled on its case."""
    loaded = await _open_case(ctx, conn, data.loan_id)
    if loaded is None:
        return
    case, version = loaded
    case.observe_charge(data.kind, data.amount)
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def on_finished(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent, data: object) -> None:
    """loan.paid_off / loan.written_off close the open case."""
    resolution = "paid_off" if isinstance(data, sv.LoanPaidOff) else "written_off"
    loan_id = data.loan_id  # type: ignore[attr-defined]
    await directory.observe_servicing(conn, loan_id, event.sequence, resolution)
    loaded = await _open_case(ctx, conn, loan_id)
    if loaded is None:
        return
    case, version = loaded
    case.resolve(resolution, event.businessdate)
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def on_day_closed(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent, data: sv.DayClosed) -> None:
    """The business clock: DPD refresh, broken promises, statute watch, day_closed policy rules.

    Cases whose next attention day (see domain/attention.py) is still ahead only have their
    DPD counted up, in one statement; the others are loaded and closed one by one.
    """
    await store_business_date(conn, business_day_after(data.business_date))  # the day now open
    await case_rows.refresh_idle_dpd(conn, data.business_date)
    due = await case_rows.needing_attention(conn, data.business_date)
    for start in range(0, len(due), DAY_CLOSE_BATCH):
        loaded = await case_rows.load_many(conn, due[start:start + DAY_CLOSE_BATCH], ctx.rules)
        for case, _ in loaded:
            case.close_day(data.business_date)
        await ctx.save_many(conn, loaded, data.business_date, cause=event)


async def _open_case(ctx: Collections, conn: asyncpg.Connection, loan_id: str) -> tuple[Case, int] | None:
    case_id = await case_rows.open_case_id(conn, loan_id)
    return None if case_id is None else await case_rows.load(conn, case_id, ctx.rules)


HANDLERS: dict[str, Callable[[Collections, asyncpg.Connection, CloudEvent, Any], Awaitable[None]]] = {
    "loan.application.submitted": on_origination_step,
    "loan.application.reviewed": on_origination_step,
    "loan.application.investigated": on_origination_step,
    "loan.application.approved": on_origination_step,
    "loan.disbursed": on_disbursed,
    "loan.payment.missed": on_missed,
    "loan.payment.received": on_payment,
    "loan.charge.applied": on_charge,
    "loan.paid_off": on_finished,
    "loan.written_off": on_finished,
}
