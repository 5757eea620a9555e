"""Servicing honouring arrangements (issue 15) against real PostgreSQL: the approved arrangement's waiver and
due dates on the loan (events, read model, schedule), set-based day-close reporting a missed instalment, the
way back when collections breaks it, pay-off under it, and redeliveries changing nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shared.contracts import CloudEvent, make_event
from shared.contracts.arrangements import ArrangementApproved, ArrangementBroken, ArrangementInstalment
from tests.servicing.test_collections_reactions import deliver

DAY_95 = date(2026, 4, 20) + timedelta(days=95)


def approval(loan_id: str, owed: Decimal, waive: Decimal, on: date) -> CloudEvent:
    first = ((owed - waive) / 2).quantize(Decimal("0.01"))
    data = ArrangementApproved(
        case_id=f"{loan_id}-E1", loan_id=loan_id, arrangement_id=f"arr-{loan_id}", kind="settlement", waive=waive,
        owed=owed, proposed_by="li", approved_by="chen", approved_on=on,
        instalments=[ArrangementInstalment(number=1, due_date=on + timedelta(days=10), amount=first),
                     ArrangementInstalment(number=2, due_date=on + timedelta(days=40), amount=owed - waive - first)])
    return make_event("collections", data, subject=loan_id, businessdate=on)


async def overdue_95(servicing) -> tuple[str, Decimal, Decimal]:
    """A 3,000.00 loan over three months, nothing paid, 95 days past due: (loan, amount owed, charges)."""
    loan_id = await servicing.disburse(months=3)
    await servicing.advance(DAY_95)
    view = await servicing.loan(loan_id)
    charges = Decimal(view["overdue"]["penalty_interest"]) + Decimal(view["overdue"]["charges"])
    owed = Decimal(view["principal_outstanding"]) + Decimal(view["overdue"]["interest"]) + charges
    assert view["days_past_due"] == 95 and charges > 0
    return loan_id, owed, charges


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


async def test_an_approved_settlement_waives_charges_and_the_missed_instalment_breaks_it_back(servicing):
    loan_id, owed, charges = await overdue_95(servicing)
    waive = (charges * Decimal("0.20")).quantize(Decimal("0.01"))
    event = approval(loan_id, owed, waive, DAY_95)
    await deliver(servicing, event)
    await deliver(servicing, event)  # a redelivery: the loan already honours it
    [fact] = of(await servicing.events(loan_id), "loan.arrangement.applied")
    assert fact["data"]["waived"] == {"charges": f"{waive:.2f}", "interest": "0.00", "principal": "0.00"}
    assert (fact["data"]["owed_before"], fact["data"]["adjustment"]) == (f"{owed:.2f}", "0.00")
    view = await servicing.loan(loan_id)
    assert (view["status"], view["days_past_due"]) == ("current", 0)
    schedule = (await servicing.client.get(f"/v1/loans/{loan_id}/schedule", headers=servicing.admin)).json()
    assert [i["status"] for i in schedule["installments"]] == ["arranged"] * 3 + ["upcoming"] * 2

    first_due = DAY_95 + timedelta(days=10)
    await servicing.advance(first_due + timedelta(days=1))  # set-based day-close judges the new due date
    [missed] = [e for e in of(await servicing.events(loan_id), "loan.payment.missed")
                if e["data"]["due_date"] == first_due.isoformat()]
    assert (missed["data"]["installment_number"], missed["data"]["days_past_due"]) == (4, 1)

    broken = make_event("collections", ArrangementBroken(
        case_id=f"{loan_id}-E1", loan_id=loan_id, arrangement_id=f"arr-{loan_id}", instalment_number=1,
        due_date=first_due, broken_on=first_due + timedelta(days=1), waive=waive),
        subject=loan_id, businessdate=first_due + timedelta(days=1))
    await deliver(servicing, broken)
    await deliver(servicing, broken)
    [reverted] = of(await servicing.events(loan_id), "loan.arrangement.reverted")
    assert reverted["data"]["restored"]["charges"] == f"{waive:.2f}"
    assert reverted["data"]["overdue_since"] == "2026-04-20" and reverted["data"]["days_past_due"] == 106
    view = await servicing.loan(loan_id)
    assert (view["status"], view["days_past_due"]) == ("overdue", 106)
    restored = Decimal(view["overdue"]["penalty_interest"]) + Decimal(view["overdue"]["charges"])
    assert restored >= charges  # the waived 罚息 is back (and the days since added theirs)
    await servicing.advance(first_due + timedelta(days=2))  # the original terms: day-close charges 罚息 again
    assert of(await servicing.events(loan_id), "loan.charge.applied")[-1]["businessdate"] == (
        first_due + timedelta(days=2)).isoformat()


async def test_paying_both_instalments_pays_the_loan_off(servicing):
    loan_id, owed, charges = await overdue_95(servicing)
    waive = (charges * Decimal("0.20")).quantize(Decimal("0.01"))
    await deliver(servicing, approval(loan_id, owed, waive, DAY_95))
    [fact] = of(await servicing.events(loan_id), "loan.arrangement.applied")
    partner = await servicing.partner()
    paid = Decimal("0")
    for n, inst in enumerate(fact["data"]["instalments"]):
        await servicing.advance(date.fromisoformat(inst["due_date"]))
        r = await servicing.pay(partner, loan_id, inst["amount"])
        assert r.status_code == 201, r.text
        paid += Decimal(inst["amount"])
        if n == 0:
            assert r.json()["status"] == "current"
    assert r.json()["status"] == "paid_off"
    events = await servicing.events(loan_id)
    assert of(events, "loan.paid_off")
    assert not [e for e in of(events, "loan.payment.missed") if e["businessdate"] > DAY_95.isoformat()]
    assert all(e["data"].get("arrangement_id") == f"arr-{loan_id}" for e in of(events, "loan.payment.received"))
    assert owed == paid + waive  # balance before = after (0) + waived + paid


async def test_a_payment_between_proposal_and_approval_that_outgrows_the_plan_declines_it(servicing):
    """Proposed on 3,000-odd owed as two halves; before the approval arrives the borrower pays more than the last
    half, so the last instalment would absorb a difference leaving it below zero: declined, said so, terms kept."""
    loan_id, owed, _ = await overdue_95(servicing)
    event = approval(loan_id, owed, Decimal("0.00"), DAY_95)
    last = Decimal(event.data["instalments"][-1]["amount"])
    partner = await servicing.partner()
    r = await servicing.pay(partner, loan_id, f"{last + Decimal('100.00'):.2f}")
    assert r.status_code == 201, r.text
    before = await servicing.loan(loan_id)
    await deliver(servicing, event)
    await deliver(servicing, event)  # a redelivery: declined once
    events = await servicing.events(loan_id)
    assert not of(events, "loan.arrangement.applied")
    [declined] = of(events, "loan.arrangement.declined")
    assert declined["data"] | {"declined_on": None} == {
        "loan_id": loan_id, "arrangement_id": f"arr-{loan_id}", "case_id": f"{loan_id}-E1",
        "reason": "plan_no_longer_fits", "owed_now": f"{owed - last - Decimal('100.00'):.2f}",
        "planned": f"{owed:.2f}", "last_instalment": f"{last:.2f}", "adjustment": f"{-last - Decimal('100.00'):.2f}",
        "declined_on": None}
    assert declined["data"]["declined_on"] == DAY_95.isoformat()
    view = await servicing.loan(loan_id)
    assert view | {"version": None} == before | {"version": None} and view["status"] == "overdue"  # same terms
    schedule = (await servicing.client.get(f"/v1/loans/{loan_id}/schedule", headers=servicing.admin)).json()
    assert "arranged" not in [i["status"] for i in schedule["installments"]]
