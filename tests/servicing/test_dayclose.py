"""Day-close: reminders, misses, DPD boundaries, 罚息, idempotent re-runs and a cure.

The loan in most stories: 3,000.00 at 24% over 6 months, disbursed on 1 March, due on the
20th: 535.58 a month, the first installment (60.00 interest, 475.58 principal) on 20 April.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from shared.contracts import CloudEvent, parse_data
from shared.contracts.servicing import ChargeApplied, DayClosed, PaymentDue, PaymentMissed

RATE = Decimal("0.0005")  # the default daily penalty rate


def of_type(events, kind):
    return [e for e in events if e["type"] == kind]


def penalty(principal: Decimal) -> Decimal:
    return (principal * RATE).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


async def test_a_reminder_goes_out_three_days_before_the_due_date(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 16))
    assert of_type(await servicing.events(loan_id), "loan.payment.due") == []
    await servicing.advance(date(2026, 4, 17))
    [due] = of_type(await servicing.events(loan_id), "loan.payment.due")
    data = parse_data(CloudEvent.model_validate(due))
    assert isinstance(data, PaymentDue)
    assert (data.installment_number, data.due_date, data.amount_due) == (1, date(2026, 4, 20), Decimal("535.58"))
    assert due["businessdate"] == "2026-04-17"


async def test_the_20_april_installment_unpaid_is_missed_on_21_april_with_dpd_1(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 20))
    assert of_type(await servicing.events(loan_id), "loan.payment.missed") == []
    assert (await servicing.loan(loan_id))["status"] == "current"
    await servicing.advance(date(2026, 4, 21))
    [missed] = of_type(await servicing.events(loan_id), "loan.payment.missed")
    data = parse_data(CloudEvent.model_validate(missed))
    assert isinstance(data, PaymentMissed)
    assert (data.installment_number, data.due_date, data.days_past_due, data.overdue_since) == (
        1, date(2026, 4, 20), 1, date(2026, 4, 20))
    assert data.amount_overdue == Decimal("535.58")
    assert data.principal_outstanding == Decimal("3000.00")
    view = await servicing.loan(loan_id)
    assert (view["status"], view["days_past_due"]) == ("overdue", 1)
    assert view["overdue"]["principal"] == "475.58" and view["overdue"]["interest"] == "60.00"


async def test_dpd_counts_up_and_each_boundary_repeats_the_miss(servicing):
    loan_id = await servicing.disburse()
    await servicing.advance(date(2026, 4, 25))
    assert (await servicing.loan(loan_id))["days_past_due"] == 5
    await servicing.advance(date(2026, 7, 19))  # 90 days after 20 April
    missed = [parse_data(CloudEvent.model_validate(e))
              for e in of_type(await servicing.events(loan_id), "loan.payment.missed")]
    boundary = [(m.dpd_boundary, m.days_past_due, m.installment_number) for m in missed if m.dpd_boundary]
    assert boundary == [(30, 30, 1), (60, 60, 1), (90, 90, 1)]
    ordinary = [(m.installment_number, m.due_date, m.days_past_due) for m in missed if not m.dpd_boundary]
    assert ordinary == [(1, date(2026, 4, 20), 1), (2, date(2026, 5, 20), 31), (3, date(2026, 6, 20), 62)]
    assert (await servicing.loan(loan_id))["days_past_due"] == 90


async def test_penalty_interest_accrues_daily_on_overdue_principal(servicing):
    loan_id = await servicing.disburse()
    schedule = (await servicing.client.get(f"/v1/loans/{loan_id}/schedule", headers=servicing.reader)).json()
    first, second = (Decimal(i["principal"]) for i in schedule["installments"][:2])
    await servicing.advance(date(2026, 5, 22))
    charges = [parse_data(CloudEvent.model_validate(e))
               for e in of_type(await servicing.events(loan_id), "loan.charge.applied")]
    assert all(isinstance(c, ChargeApplied) and c.kind == "penalty_interest" for c in charges)
    # 21 April .. 20 May on the first installment's principal, 21 and 22 May on both
    expected = [penalty(first)] * 30 + [penalty(first + second)] * 2
    assert [c.amount for c in charges] == expected
    view = await servicing.loan(loan_id)
    assert Decimal(view["overdue"]["penalty_interest"]) == sum(expected)


async def test_running_a_day_twice_changes_nothing(servicing):
    loan_id = await servicing.disburse()
    first = await servicing.advance(date(2026, 4, 22))
    assert [c["business_date"] for c in first["closed"]] == [str(date(2026, 3, 1) + timedelta(d))
                                                            for d in range(1, 53)]
    before = await servicing.events(loan_id)
    again = await servicing.advance(date(2026, 4, 22))
    earlier = await servicing.advance(date(2026, 4, 1))
    assert again["closed"] == [] and earlier["closed"] == []
    assert again["business_date"] == "2026-04-22"
    assert await servicing.events(loan_id) == before
    async with servicing.app.state.kernel.db.acquire() as conn:
        closes = await conn.fetch("SELECT envelope FROM events WHERE stream_id = 'business-date' ORDER BY version")
    days = [parse_data(CloudEvent.model_validate(r["envelope"])) for r in closes]
    assert all(isinstance(d, DayClosed) for d in days)
    assert [d.business_date for d in days][-2:] == [date(2026, 4, 21), date(2026, 4, 22)]
    assert len(days) == 52


async def test_paying_what_is_overdue_after_a_miss_cures_the_loan(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    await servicing.advance(date(2026, 4, 23))
    overdue = (await servicing.loan(loan_id))["overdue"]
    r = await servicing.pay(partner, loan_id, overdue["total"])
    assert r.status_code == 201 and r.json()["status"] == "current" and r.json()["days_past_due"] == 0
    view = await servicing.loan(loan_id)
    assert (view["status"], view["days_past_due"], view["overdue"]["total"]) == ("current", 0, "0.00")
    await servicing.advance(date(2026, 4, 30))
    after = [e for e in await servicing.events(loan_id) if e["businessdate"] > "2026-04-23"]
    assert of_type(after, "loan.payment.missed") == [] and of_type(after, "loan.charge.applied") == []


async def test_closed_loans_get_no_reminders_or_penalties(servicing):
    paid = await servicing.disburse()
    partner = await servicing.partner()
    payoff = (await servicing.loan(paid))["payoff_amount"]
    assert (await servicing.pay(partner, paid, payoff)).status_code == 201
    before = await servicing.events(paid)
    await servicing.advance(date(2026, 5, 5))
    assert await servicing.events(paid) == before


async def test_every_day_close_event_is_valid_against_its_contract(servicing):
    loans = [await servicing.disburse(method=m) for m in ("equal_installment", "equal_principal", "interest_only")]
    await servicing.advance(date(2026, 6, 1))
    for loan_id in loans:
        events = await servicing.events(loan_id)
        assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
        for e in events:
            envelope = CloudEvent.model_validate(e)
            parse_data(envelope)
            assert envelope.subject == loan_id
    async with servicing.app.state.kernel.db.acquire() as conn:
        rows = await conn.fetch("SELECT key, payload FROM outbox")
    published = [CloudEvent.from_json_bytes(bytes(r["payload"])) for r in rows]
    assert all(r["key"] == p.subject for r, p in zip(rows, published, strict=True))
    assert {p.type for p in published} >= {"loan.payment.due", "loan.payment.missed", "loan.charge.applied",
                                            "servicing.day.closed"}
