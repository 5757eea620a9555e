"""Consumers of servicing's and origination's events: open, escalate, cure and close cases.

Redelivery is harmless (the inbox skips handled event ids). Out-of-order delivery is
handled per loan: the loan directory keeps the highest servicing sequence seen, an older
missed-payment notice after a newer "current" never opens a case, and an episode (loan,
first unpaid due date) can have only one case (unique constraints in the same transaction).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg

from services.collections.adapters import arrangements as arrangement_rows
from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.domain.case import Case
from services.collections.service_layer.context import Collections
from services.collections.service_layer.roster import rebalance_idle
from shared import idempotency
from shared.contracts import CloudEvent, UnknownEventType, parse_data
from shared.contracts import arrangements as arr
from shared.contracts import origination as og
from shared.contracts import servicing as sv
from shared.db import store_business_date
from shared.logging import correlation_id
from shared.money import ZERO

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


def make_batch_handler(ctx: Collections):  # type: ignore[no-untyped-def]
    """The inbox's batch handler: runs of missed-payment notices set-based, everything else one by one.

    A run holds consecutive notices about distinct loans (a second notice about the same loan
    starts a new run), so each loan's events are still applied in delivery order.
    """
    single = make_handler(ctx)

    async def handle_many(conn: asyncpg.Connection, events: list[CloudEvent]) -> None:
        run: list[tuple[CloudEvent, sv.PaymentMissed]] = []
        loans: set[str] = set()
        for event in events:
            data = _missed_data(event)
            if data is not None and data.loan_id not in loans:
                run.append((event, data))
                loans.add(data.loan_id)
                continue
            if run:
                await on_missed_many(ctx, conn, run)
                run, loans = [], set()
            if data is not None:
                run.append((event, data))
                loans.add(data.loan_id)
                continue
            token = correlation_id.set(event.correlationid)
            try:
                await single(conn, event)
            finally:
                correlation_id.reset(token)
        if run:
            await on_missed_many(ctx, conn, run)

    return handle_many


def _missed_data(event: CloudEvent) -> sv.PaymentMissed | None:
    if event.type != "loan.payment.missed":
        return None
    data = parse_data(event)
    return data if isinstance(data, sv.PaymentMissed) else None


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


async def on_borrower_erased(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                             data: og.BorrowerErased) -> None:
    """Origination destroyed a borrower's key: destroy collections' copy (idempotent; a copy never fetched
    is recorded erased, so it is never fetched)."""
    if ctx.ring is not None:
        await ctx.ring.erase(conn, data.borrower_id)


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
    await on_missed_many(ctx, conn, [(event, data)])


async def on_missed_many(ctx: Collections, conn: asyncpg.Connection,
                         notices: list[tuple[CloudEvent, sv.PaymentMissed]]) -> None:
    """Missed-installment notices about distinct loans, in delivery order, in a few set-based statements.

    Per notice, exactly what handling them one at a time does: note the servicing sequence
    (an older notice than one already applied is stale), bring its DPD up to the business date
    collections knows, then open a case on the first miss of an episode or refresh the open one.
    """
    assert len({d.loan_id for _, d in notices}) == len(notices), "one notice per loan per call"
    known, before = await directory.observe_notices(conn, [(d.loan_id, e.sequence, "overdue") for e, d in notices],
                                                    max(e.businessdate for e, _ in notices))
    prepared = []
    for event, data in notices:
        known = event.businessdate if known is None else max(known, event.businessdate)
        seen_seq, seen_status = before[data.loan_id]
        prepared.append((event, caught_up(known, event, data), event.sequence < seen_seq, seen_status))
    found = await case_rows.episodes_many(conn, [(d.loan_id, d.overdue_since) for _, d, _, _ in prepared])
    open_ids = [case_id for _, d, stale, _ in prepared if (case_id := found[d.loan_id][0]) and not stale]
    loaded = {case.state.case_id: (case, version)
              for case, version in await case_rows.load_many(conn, open_ids, ctx.rules)} if open_ids else {}
    tags = await case_rows.earlier_tags_many(conn, [d.loan_id for _, d, _, _ in prepared
                                                    if found[d.loan_id][0] is None and found[d.loan_id][2] > 1])
    changes: list[tuple[Case, int, date, CloudEvent | None]] = []
    for event, data, stale, seen_status in prepared:
        open_id, seen, episode = found[data.loan_id]
        if open_id is not None:
            if stale:
                continue  # an older notice than one already applied: nothing new in it
            case, version = loaded[open_id]
            case.observe_missed(days_past_due=data.days_past_due, overdue_since=data.overdue_since,
                                amount_overdue=data.amount_overdue, principal_outstanding=data.principal_outstanding,
                                principal_overdue=data.principal_overdue, due_date=data.due_date,
                                on=event.businessdate)
            changes.append((case, version, event.businessdate, event))
            continue
        if stale and seen_status in directory.FINISHED:
            log.info("stale missed-payment notice for %s (seq %s, loan %s)", data.loan_id, event.sequence,
                     seen_status)
            continue
        if seen:
            continue  # this episode already had its case (resolved since)
        case_id = f"{data.loan_id}-E{episode}"
        case = Case.open(case_id=case_id, loan_id=data.loan_id, episode=episode,
                         days_past_due=data.days_past_due, overdue_since=data.overdue_since,
                         amount_overdue=data.amount_overdue, principal_outstanding=data.principal_outstanding,
                         business_date=event.businessdate, rules=ctx.rules, tags=tags.get(data.loan_id),
                         arm=ctx.arms.arm_for_new_case(case_id), principal_overdue=data.principal_overdue)
        changes.append((case, 0, event.businessdate, event))
    if changes:
        await ctx.save_each(conn, changes)


def caught_up(known: date, event: CloudEvent, data: sv.PaymentMissed) -> sv.PaymentMissed:
    """A notice that reaches us after later day-closes: its DPD brought up to the business date.

    `known` is the business date collections has seen (the latest day-close's date, or a later
    servicing event's). Notices travel on the loan's partition and day-closes on another, so
    after a consumer restart or rebalance the day-closes of later dates may already have been
    applied; those did not count this episode's DPD up, so the notice's own figure would be
    stale for good.
    """
    if known <= event.businessdate:
        return data
    return data.model_copy(update={"days_past_due": max(data.days_past_due, (known - data.overdue_since).days)})


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
    paid_by_kind: dict[str, Decimal] = {}
    for line in data.allocation:
        paid_by_kind[line.kind] = paid_by_kind.get(line.kind, ZERO) + line.amount
    case.observe_payment(payment_id=data.payment_id, amount=data.amount, paid_on=event.businessdate,
                         loan_status=data.status if fresh else "overdue", days_past_due=data.days_past_due,
                         overdue_since=data.overdue_since if fresh else None, amount_overdue=None,
                         paid_by_kind=paid_by_kind, principal_outstanding=data.principal_outstanding if fresh else None)
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def _recovery_after_write_off(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                                    data: sv.PaymentReceived) -> None:
    latest = await case_rows.latest_case_id(conn, data.loan_id)
    if latest is None or latest[1] != "written_off":
        return
    loaded = await case_rows.load(conn, latest[0], ctx.rules)
    assert loaded is not None
    case, version = loaded
    case.attribute_recovery(data.payment_id, data.amount, on=event.businessdate)
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


async def on_arrangement_fact(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent, data: object) -> None:
    """Servicing honoured an arrangement (nothing overdue under it) or reverted a broken one (the original
    terms' figures are back): the case observes the loan's figures."""
    loaded = await _open_case(ctx, conn, data.loan_id)  # type: ignore[attr-defined]
    if loaded is None:
        return
    case, version = loaded
    if isinstance(data, arr.LoanArrangementApplied):
        case.observe(amount_overdue=ZERO, principal_overdue=ZERO)
    elif isinstance(data, arr.LoanArrangementReverted):
        case.observe(amount_overdue=data.amount_overdue, principal_outstanding=data.principal_outstanding,
                     interest_overdue=data.interest_overdue or ZERO,
                     charges_outstanding=data.charges_outstanding or ZERO,
                     principal_overdue=None if data.interest_overdue is None
                     else max(data.amount_overdue - data.interest_overdue, ZERO))
    await ctx.save(conn, case, version, event.businessdate, cause=event)


async def on_arrangement_declined(ctx: Collections, conn: asyncpg.Connection, event: CloudEvent,
                                  data: arr.LoanArrangementDeclined) -> None:
    """Servicing could not honour an approved arrangement: its case records it declined (found by the
    arrangement, whether or not the case is still open), so nobody believes a plan is in place."""
    case_id = await arrangement_rows.case_of(conn, data.arrangement_id)
    loaded = None if case_id is None else await case_rows.load(conn, case_id, ctx.rules)
    if loaded is None:
        return
    case, version = loaded
    case.arrangements.observe_declined(data, event.businessdate)
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
    """The business clock: DPD refresh, broken promises, statute watch, day_closed policy rules, then cases
    not worked for `reassign_after_days` rebalanced (service_layer/roster.rebalance_idle).

    Cases whose next attention day (see domain/attention.py) is still ahead only have their
    DPD counted up, in one statement; the others are loaded and closed one by one.
    """
    await store_business_date(conn, data.business_date)  # servicing's business date from now on
    # collectors' Idempotency-Keys are kept three days: their stored answers show what a case recorded opened
    # (a complaint, a contact point), so they must not outlive the retention before an erasure (issue 16)
    await idempotency.purge_older_than(conn, hours=72)
    await case_rows.refresh_idle_dpd(conn, data.business_date)
    due = await case_rows.needing_attention(conn, data.business_date)
    for start in range(0, len(due), DAY_CLOSE_BATCH):
        loaded = await case_rows.load_many(conn, due[start:start + DAY_CLOSE_BATCH], ctx.rules)
        for case, _ in loaded:
            case.close_day(data.business_date)
        await ctx.save_many(conn, loaded, data.business_date, cause=event)
    await rebalance_idle(ctx, conn, data.business_date, event)  # unworked cases to another collector


async def _open_case(ctx: Collections, conn: asyncpg.Connection, loan_id: str) -> tuple[Case, int] | None:
    case_id = await case_rows.open_case_id(conn, loan_id)
    return None if case_id is None else await case_rows.load(conn, case_id, ctx.rules)


HANDLERS: dict[str, Callable[[Collections, asyncpg.Connection, CloudEvent, Any], Awaitable[None]]] = {
    "loan.application.submitted": on_origination_step,
    "loan.application.reviewed": on_origination_step,
    "loan.application.investigated": on_origination_step,
    "loan.application.approved": on_origination_step,
    "loan.disbursed": on_disbursed,
    "loan.borrower.erased": on_borrower_erased,
    "loan.payment.missed": on_missed,
    "loan.payment.received": on_payment,
    "loan.charge.applied": on_charge,
    "loan.paid_off": on_finished,
    "loan.written_off": on_finished,
    "loan.arrangement.applied": on_arrangement_fact,
    "loan.arrangement.reverted": on_arrangement_fact,
    "loan.arrangement.declined": on_arrangement_declined,
}
