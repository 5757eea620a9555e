"""Day-close decisions from set-based facts, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.servicing.domain.dayclose import penalty_charge_id, plan_day

DAY = date(2026, 5, 20)


def overdue(loan_id="L1", since=date(2026, 4, 20), missed=None, penalty="0.24", first=1):
    return {"loan_id": loan_id, "since": since, "first_number": first, "principal_overdue": Decimal("475.58"),
            "amount_overdue": Decimal("535.58"), "missed_number": missed, "penalty": Decimal(penalty),
            "principal_outstanding": Decimal("3000.00")}


def test_thirty_days_after_20_april_the_miss_is_repeated_at_the_boundary_with_the_days_penalty():
    plan = plan_day(DAY, [overdue()], [], [30, 60])
    [(missed_type, missed), (charge_type, charge)] = plan.events["L1"]
    assert (missed_type, missed["dpd_boundary"], missed["days_past_due"], missed["due_date"]) == (
        "loan.payment.missed", 30, 30, "2026-04-20")
    assert (charge_type, charge["amount"], charge["charge_id"]) == (
        "loan.charge.applied", "0.24", penalty_charge_id("L1", DAY))
    assert plan.overdue_since == {"L1": date(2026, 4, 20)}


def test_a_first_miss_on_a_boundary_day_is_one_event_carrying_the_boundary():
    plan = plan_day(DAY, [overdue(since=date(2026, 5, 19), missed=2, penalty="0")], [], [1, 30])
    [(kind, data)] = plan.events["L1"]
    assert (kind, data["dpd_boundary"], data["installment_number"]) == ("loan.payment.missed", 1, 2)
    assert plan.penalties == []


def test_reminders_follow_the_loans_other_events():
    due = {"loan_id": "L1", "number": 3, "due_date": date(2026, 5, 23), "amount_due": Decimal("535.58")}
    plan = plan_day(DAY, [overdue(since=date(2026, 5, 1))], [due], [30])
    assert [t for t, _ in plan.events["L1"]] == ["loan.charge.applied", "loan.payment.due"]
    assert plan.count == 2
