"""Servicing reacting to collections: broken promises cost a failed-debit fee; a write-off
moves the balance off book and later recoveries are still accepted."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from loanflow.testing import eventually, read_events, running
from services.servicing.bootstrap import create_app
from services.servicing.service_layer.handlers import consumer_handler
from shared.contracts import CloudEvent, make_event, parse_data
from shared.contracts.collections import CaseOpened, PromiseBroken, WriteOffDecided
from shared.contracts.origination import Borrower, LoanDisbursed
from shared.kafka import make_producer
from tests.servicing.conftest import START, settings


def broken_promise(loan_id: str, on: date) -> CloudEvent:
    return make_event("collections", PromiseBroken(
        case_id="case-1", loan_id=loan_id, promise_id=f"prm-{uuid.uuid4().hex[:6]}", amount=Decimal("535.58"),
        paid_amount=Decimal("0.00"), promised_date=on, broken_count=1, collector="dora"),
        subject=loan_id, businessdate=on)


async def deliver(servicing, event: CloudEvent) -> None:
    """Hand an event to the consumer's handler, as the inbox does (in a transaction)."""
    handle = consumer_handler(servicing.app.state.servicing)
    async with servicing.app.state.kernel.db.acquire() as conn, conn.transaction():
        await handle(conn, event)


async def test_a_broken_promise_adds_the_failed_debit_fee_which_payments_settle_first(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 21))
    await deliver(servicing, broken_promise(loan_id, date(2026, 4, 21)))
    fee = [e for e in await servicing.events(loan_id) if e["type"] == "loan.charge.applied"
           and e["data"]["kind"] == "failed_debit_fee"]
    assert [f["data"]["amount"] for f in fee] == ["50.00"]
    view = await servicing.loan(loan_id)
    assert view["overdue"]["charges"] == "50.00"
    partner = await servicing.partner()
    body = (await servicing.pay(partner, loan_id, "60.00")).json()
    assert body["allocation"][0] == {"kind": "charge", "amount": "50.00"}


async def test_write_off_moves_the_balance_off_book_and_recoveries_still_count(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 21))
    decision = make_event("collections", WriteOffDecided(case_id="case-9", loan_id=loan_id, decided_by="lena",
                                                         reason="deceased, no estate"),
                          subject=loan_id, businessdate=date(2026, 4, 21))
    await deliver(servicing, decision)
    [written] = [e for e in await servicing.events(loan_id) if e["type"] == "loan.written_off"]
    assert written["data"]["principal"] == "3000.00" and written["data"]["case_id"] == "case-9"
    assert (await servicing.loan(loan_id))["status"] == "written_off"
    await servicing.advance(date(2026, 4, 25))  # no more penalty once off book
    assert not [e for e in await servicing.events(loan_id) if e["businessdate"] > "2026-04-21"]
    partner = await servicing.partner()
    r = await servicing.pay(partner, loan_id, "100.00")
    assert r.status_code == 201 and r.json()["status"] == "written_off"
    before = await servicing.events(loan_id)
    await deliver(servicing, broken_promise(loan_id, date(2026, 4, 25)))  # a late notice: no fee off book
    assert await servicing.events(loan_id) == before


async def test_an_unknown_loan_or_paid_off_loan_gets_no_fee(servicing):
    await deliver(servicing, broken_promise("loan-unknown", START))
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    await servicing.pay(partner, loan_id, (await servicing.loan(loan_id))["payoff_amount"])
    before = await servicing.events(loan_id)
    await deliver(servicing, broken_promise(loan_id, START))
    assert await servicing.events(loan_id) == before


async def test_over_kafka_disbursement_schedules_and_a_broken_promise_charges_the_fee(platform, _drop_platform_dbs):
    app = create_app(settings(failed_debit_fee=Decimal("35.00")),
                     platform.model_copy(update={"start_date": START.isoformat()}))
    loan_id = f"loan-{uuid.uuid4().hex[:10]}"
    disbursed = make_event("origination", LoanDisbursed(
        loan_id=loan_id, application_id="app-1",
        borrower=Borrower(name="李四", id_number_masked="110101********1234", phone="13800138000"),
        principal=Decimal("100000.00"), annual_rate=Decimal("0.12"), term_months=12,
        repayment_method="equal_installment", disbursement_date=START, due_day=20, product="credit",
        contacts=[], disbursed_by="carol"), subject=loan_id, businessdate=START)
    broken = broken_promise(loan_id, START)
    servicing_topic = platform.topic("servicing")
    async with running(app):
        producer = make_producer(platform.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(platform.topic("origination"), disbursed.to_json_bytes(), key=loan_id.encode())
            await read_events(platform.kafka_bootstrap, servicing_topic,
                              until=lambda es: any(e.type == "loan.schedule.created" for e in es), timeout=60)
            for _ in range(2):  # a redelivery changes nothing
                await producer.send_and_wait(platform.topic("collections"), broken.to_json_bytes(),
                                             key=loan_id.encode())
            events = await read_events(platform.kafka_bootstrap, servicing_topic,
                                       until=lambda es: any(e.type == "loan.charge.applied" for e in es), timeout=60)
        finally:
            await producer.stop()
        schedule = next(parse_data(e) for e in events if e.type == "loan.schedule.created")
        assert schedule.installments[0].principal + schedule.installments[0].interest == Decimal("8884.88")
        [charge] = [e for e in events if e.type == "loan.charge.applied"]
        assert (charge.subject, charge.causationid) == (loan_id, broken.id)
        assert parse_data(charge).amount == Decimal("35.00") and parse_data(charge).kind == "failed_debit_fee"
        consumer = next(c for c in app.state.kernel.consumers if c.name == "collections")
        await eventually(lambda: consumer.stats.duplicates >= 1, timeout=30)
        async with app.state.kernel.db.acquire() as conn:
            fees = await conn.fetchval("SELECT count(*) FROM charges WHERE loan_id = $1", loan_id)
        assert fees == 1


async def test_a_second_disbursement_event_for_the_same_loan_schedules_nothing_new(servicing):
    loan_id = await servicing.disburse()
    again = make_event("origination", LoanDisbursed(
        loan_id=loan_id, application_id="app-x",
        borrower=Borrower(name="王小明", id_number_masked="110101********1234", phone="13800138000"),
        principal=Decimal("9000.00"), annual_rate=Decimal("0.10"), term_months=3, repayment_method="interest_only",
        disbursement_date=START, due_day=5, product="credit", contacts=[], disbursed_by="carol"),
        subject=loan_id, businessdate=START)
    await deliver(servicing, again)
    events = await servicing.events(loan_id)
    assert [e["type"] for e in events] == ["loan.schedule.created"]
    assert events[0]["data"]["principal"] == "3000.00"


async def test_events_servicing_does_not_react_to_are_ignored(servicing):
    loan_id = await servicing.disburse()
    opened = make_event("collections", CaseOpened(case_id="c", loan_id=loan_id, stage="front", days_past_due=1,
                                                  amount_overdue=Decimal("535.58"), opened_on=START),
                        subject=loan_id, businessdate=START)
    await deliver(servicing, opened)
    assert [e["type"] for e in await servicing.events(loan_id)] == ["loan.schedule.created"]
