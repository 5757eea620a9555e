"""Handlers of servicing: each runs in one transaction that appends to a loan stream and
updates its read model (events from other services arrive here through the inbox)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import asyncpg

from services.servicing.adapters import bureau_submissions, credit_subjects
from services.servicing.adapters import loan_repository as repo
from services.servicing.config import ServicingSettings
from services.servicing.domain import arrangement as arrangements
from services.servicing.domain import credit_record
from services.servicing.domain.loan import Loan
from services.servicing.domain.schedule import build_schedule
from shared.clock import Clock, SystemClock
from shared.contracts.arrangements import ArrangementApproved, ArrangementBroken
from shared.contracts.collections import PromiseBroken, WriteOffDecided
from shared.contracts.envelope import CloudEvent
from shared.contracts.origination import LoanDisbursed
from shared.contracts.registry import EventData, make_event, parse_data
from shared.contracts.servicing import (
    ChargeApplied,
    CreditRecordCorrected,
    CreditRecordReported,
    ScheduleCreated,
    ScheduledInstallment,
)
from shared.db import fetch_business_date
from shared.eventstore import PostgresEventStore
from shared.money import to_fen

log = logging.getLogger(__name__)
SOURCE = "servicing"


@dataclass
class Servicing:
    """What the handlers need: the event store, the service's settings, a clock and the credit-bureau port
    (None: credit-bureau reporting is off)."""

    store: PostgresEventStore
    settings: ServicingSettings
    clock: Clock = field(default_factory=SystemClock)
    bureau: credit_record.CreditBureau | None = None


async def business_date(conn: asyncpg.Connection) -> date:
    day = await fetch_business_date(conn)
    assert day is not None, "the business date is set at startup"
    return day  # type: ignore[no-any-return]


async def change_loan(conn: asyncpg.Connection, svc: Servicing, loan_id: str,
                      decide: Callable[[Loan, date], list[EventData]], *, cause: CloudEvent | None = None,
                      on: date | None = None) -> tuple[Loan, list[CloudEvent]]:
    """Load the loan, let the domain decide, append at the loaded version, update the read model."""
    # Lock the loan's row first: day-close locks the table, so the two never deadlock, and the
    # business date read after the lock is the one the running day-close (if any) committed.
    await conn.execute("SELECT 1 FROM loans WHERE loan_id = $1 FOR UPDATE", loan_id)
    on = on or await business_date(conn)
    loan = await repo.load(conn, svc.store, loan_id)
    decided = decide(loan, on)
    if not decided:
        return loan, []
    decided = [*decided, *credit_record.corrections(loan, decided, on)]  # settled: negative records corrected
    envelopes = [make_event(SOURCE, d, subject=loan_id, businessdate=on, causation=cause) for d in decided]
    stored = await svc.store.append(conn, repo.stream_of(loan_id), envelopes, expected_version=loan.version)
    for data in decided:
        loan.apply(data, on)
    await repo.save(conn, loan, on)
    await queue_credit_records(conn, svc, loan_id, list(zip(stored, decided, strict=True)))
    return loan, stored


async def queue_credit_records(conn: asyncpg.Connection, svc: Servicing, loan_id: str,
                               recorded: list[tuple[CloudEvent, EventData]]) -> None:
    """Queue the records these events report or correct for the credit bureau, in the transaction recording
    them: the submitter sends them after the commit (service_layer/bureau_submitter.py), so a bureau that
    cannot take them never fails the payment or the broken promise."""
    records = [(e, d) for e, d in recorded if isinstance(d, CreditRecordReported | CreditRecordCorrected)]
    for envelope, data in records:
        await bureau_submissions.enqueue(conn, envelope.id, data)
    if records and svc.bureau is None:  # a correction of a record filed while reporting was on: it waits
        log.warning("credit records %s of loan %s queued while credit-bureau reporting is off: submitted once "
                    "LOANFLOW_SERVICING_CREDIT_BUREAU_DIR is set", [d.record_id for _, d in records], loan_id)


async def on_loan_disbursed(conn: asyncpg.Connection, svc: Servicing, event: CloudEvent) -> None:
    """A disbursed loan gets its schedule (loan.schedule.created tells reporting the interest receivable)."""
    d: LoanDisbursed = parse_data(event)
    if await conn.fetchval("SELECT 1 FROM loans WHERE loan_id = $1 FOR UPDATE", d.loan_id):  # waits on day-close
        return
    on = await business_date(conn)
    plan = build_schedule(d.principal, d.annual_rate, d.term_months, d.repayment_method, d.disbursement_date,
                          d.due_day)
    schedule = ScheduleCreated(
        loan_id=d.loan_id, principal=d.principal, repayment_method=d.repayment_method,
        installments=[ScheduledInstallment(number=i.number, due_date=i.due_date, principal=i.principal,
                                           interest=i.interest) for i in plan],
        annual_rate=d.annual_rate, term_months=d.term_months, disbursement_date=d.disbursement_date,
        due_day=d.due_day, total_interest=sum((i.interest for i in plan), to_fen(0)))
    envelope = make_event(SOURCE, schedule, subject=d.loan_id, businessdate=on, causation=event)
    await svc.store.append(conn, repo.stream_of(d.loan_id), [envelope], expected_version=0)
    loan = Loan(d.loan_id)
    loan.apply(schedule, on)
    await repo.insert_new(conn, loan, schedule, product=d.product, borrower_name=d.borrower.name)
    await credit_subjects.record(conn, d.loan_id, credit_record.Subject(d.application_id, d.borrower.name,
                                                                        d.borrower.id_number_masked))


async def on_promise_broken(conn: asyncpg.Connection, svc: Servicing, event: CloudEvent) -> None:
    """DOMAIN.md §2: "Each broken promise adds a negative credit record and a failed-debit fee (扣款失败费)"."""
    d: PromiseBroken = parse_data(event)
    fee = to_fen(svc.settings.failed_debit_fee)

    def decide(loan: Loan, on: date) -> list[EventData]:
        reported = [] if svc.bureau is None else credit_record.report_broken_promise(loan, d, cause_id=event.id,
                                                                                        on=on)
        charge_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"failed-debit/{event.id}"))
        if not loan.exists or loan.closed in ("paid_off", "written_off") or fee <= 0:  # off book: no new charges
            return reported
        if any(c.charge_id == charge_id for c in loan.charges):  # this broken promise's fee is already charged
            return reported
        return [*reported, ChargeApplied(
            loan_id=loan.loan_id, charge_id=charge_id,
            kind="failed_debit_fee", amount=fee, caused_by=event.id,
            reason=f"promise {d.promise_id} of {d.promised_date} broken (爽约), broken count {d.broken_count}")]

    await change_loan(conn, svc, d.loan_id, decide, cause=event)


async def on_write_off_decided(conn: asyncpg.Connection, svc: Servicing, event: CloudEvent) -> None:
    """Collections decided a write-off: the balance moves off book; later recoveries are still accepted."""
    d: WriteOffDecided = parse_data(event)

    def decide(loan: Loan, on: date) -> list[EventData]:
        if not loan.exists:
            log.warning("write-off decided for unknown loan %s", d.loan_id)
            return []
        return loan.write_off(on=on, case_id=d.case_id, decided_by=d.decided_by)

    await change_loan(conn, svc, d.loan_id, decide, cause=event)


async def on_arrangement_approved(conn: asyncpg.Connection, svc: Servicing, event: CloudEvent) -> None:
    """Issue 15: honour an approved arrangement — the waiver (charges, then interest, then principal) and the
    instalments as the loan's new due dates (`domain/arrangement.py`). A redelivery changes nothing (inbox, and
    a loan honours one arrangement at a time)."""
    d: ArrangementApproved = parse_data(event)
    await change_loan(conn, svc, d.loan_id, lambda loan, on: arrangements.apply(loan, d, on), cause=event)


async def on_arrangement_broken(conn: asyncpg.Connection, svc: Servicing, event: CloudEvent) -> None:
    """A missed instalment broke the arrangement: the original terms return, what was waived is restored."""
    d: ArrangementBroken = parse_data(event)
    await change_loan(conn, svc, d.loan_id, lambda loan, on: arrangements.revert(loan, d.arrangement_id, on),
                      cause=event)


INBOUND: dict[str, Callable[[asyncpg.Connection, Servicing, CloudEvent], Any]] = {
    "loan.disbursed": on_loan_disbursed,
    "collections.promise.broken": on_promise_broken,
    "collections.write_off.decided": on_write_off_decided,
    "collections.arrangement.approved": on_arrangement_approved,
    "collections.arrangement.broken": on_arrangement_broken,
}


def consumer_handler(svc: Servicing) -> Callable[[asyncpg.Connection, CloudEvent], Any]:
    """The inbox handler: dispatch by event type, ignore the types servicing does not react to."""

    async def handle(conn: asyncpg.Connection, event: CloudEvent) -> None:
        handler = INBOUND.get(event.type)
        if handler is not None:
            await handler(conn, svc, event)

    return handle
