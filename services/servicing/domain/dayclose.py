"""What day-close decides for each loan, from set-based facts (no I/O).

DOMAIN.md §2: "A missed due date makes the loan overdue; days past due (DPD) count from the
first unpaid due date. Late charges (罚金) accrue on overdue amounts."
For business date D, per active loan:
- an installment due D − 1 still unpaid → `loan.payment.missed` (DPD = D − first unpaid due date);
- DPD equal to a configured boundary → `loan.payment.missed` again with `dpd_boundary`
  (on the first day of a miss the boundary is carried by that miss itself);
- penalty interest for the day (computed in SQL: overdue principal × daily rate, half-up
  to the fen) → `loan.charge.applied` kind penalty_interest, id derived from loan and day;
- an installment due D + N → `loan.payment.due`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.money import money_str

Planned = tuple[str, dict[str, Any]]  # (event type, data as published)


@dataclass
class DayPlan:
    """The day's events per loan (in order), the loans found overdue, and the penalty charges."""

    events: dict[str, list[Planned]] = field(default_factory=dict)
    overdue_since: dict[str, date] = field(default_factory=dict)
    penalties: list[tuple[str, str, Decimal, str]] = field(default_factory=list)  # charge id, loan, amount, reason

    @property
    def count(self) -> int:
        return sum(len(e) for e in self.events.values())


ADVANCE_YEARS = 10


def advance_limit(current: date) -> date:
    """The latest date one advance may reach: ten years after the business date (CONTRACT.md,
    second round: "answers within seconds for any `to` up to ten years ahead"); 29 February
    goes to 28 February."""
    year = min(current.year + ADVANCE_YEARS, date.max.year)
    try:
        return current.replace(year=year)
    except ValueError:  # 29 February in a year that has none
        return current.replace(year=year, day=28)


def penalty_charge_id(loan_id: str, day: date) -> str:
    """The same loan and day always name the same charge (a name-based UUID, version 3, that the
    day-close SQL computes too: `adapters/dayclose_events.CHARGE_ID`)."""
    return str(uuid.uuid3(uuid.NAMESPACE_URL, f"penalty/{loan_id}/{day.isoformat()}"))


def plan_day(day: date, overdue: Iterable[Mapping[str, Any]], due: Iterable[Mapping[str, Any]],
             boundaries: Iterable[int]) -> DayPlan:
    """Decide the day's events from overdue facts (one row per loan) and installments due soon."""
    plan = DayPlan()
    marks = set(boundaries)
    yesterday = day - timedelta(days=1)
    for r in overdue:
        loan_id, since = r["loan_id"], r["since"]
        dpd = (day - since).days
        plan.overdue_since[loan_id] = since
        events = plan.events.setdefault(loan_id, [])
        common = {"loan_id": loan_id, "amount_overdue": money_str(r["amount_overdue"]), "days_past_due": dpd,
                  "overdue_since": since.isoformat(), "principal_outstanding": money_str(r["principal_outstanding"])}
        if r["missed_number"] is not None:
            missed = {**common, "installment_number": r["missed_number"], "due_date": yesterday.isoformat()}
            if dpd in marks and since == yesterday:
                missed["dpd_boundary"] = dpd
            events.append(("loan.payment.missed", missed))
        if dpd in marks and since != yesterday:
            events.append(("loan.payment.missed", {**common, "installment_number": r["first_number"],
                                                   "due_date": since.isoformat(), "dpd_boundary": dpd}))
        if r["penalty"] > 0:
            charge_id = penalty_charge_id(loan_id, day)
            reason = f"罚息 for {day.isoformat()} on overdue principal {money_str(r['principal_overdue'])}"
            plan.penalties.append((charge_id, loan_id, r["penalty"], reason))
            events.append(("loan.charge.applied", {"loan_id": loan_id, "charge_id": charge_id,
                                                   "kind": "penalty_interest", "amount": money_str(r["penalty"]),
                                                   "reason": reason}))
    for r in due:
        plan.events.setdefault(r["loan_id"], []).append(("loan.payment.due", {
            "loan_id": r["loan_id"], "installment_number": r["number"], "due_date": r["due_date"].isoformat(),
            "amount_due": money_str(r["amount_due"])}))
    return plan
