"""What day-close does to one loan: the one executable statement of the rule.

DOMAIN.md §2: "A missed due date makes the loan overdue; days past due (DPD) count from the
first unpaid due date. Late charges (罚金) accrue on overdue amounts."
Day-close for business date D rolls each active loan into D (`day_close`), from the loan's own
state (`domain/loan.py`: its overdue installments, DPD, outstanding principal):
- an installment due D − 1 still unpaid → `loan.payment.missed` (DPD = D − first unpaid due date);
- DPD equal to a configured boundary → `loan.payment.missed` again with `dpd_boundary`
  (on the first day of a miss the boundary is carried by that miss itself);
- penalty interest for the day: overdue principal × daily rate, half-up to the fen, when above
  zero → `loan.charge.applied` kind penalty_interest, its id derived from loan and day;
- each unpaid installment due D + N (the reminder days) → `loan.payment.due`;
in that order; paid-off and written-off loans get nothing. The set-based SQL that runs it over
the whole book (`adapters/dayclose_events.py`) is tested against this function
(`tests/servicing/test_dayclose_property.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from services.servicing.domain.loan import Loan
from shared.contracts.registry import EventData
from shared.contracts.servicing import ChargeApplied, PaymentDue, PaymentMissed
from shared.money import ZERO, money_str, to_fen


@dataclass(frozen=True)
class DayCloseRules:
    """The configured parts of the rule (LOANFLOW_SERVICING_…)."""

    penalty_daily_rate: Decimal
    reminder_days_before: int
    dpd_boundaries: frozenset[int]

    @classmethod
    def of(cls, penalty_daily_rate: Decimal, reminder_days_before: int, dpd_boundaries: Iterable[int]) -> DayCloseRules:
        return cls(penalty_daily_rate, reminder_days_before, frozenset(dpd_boundaries))


def day_close(loan: Loan, day: date, rules: DayCloseRules) -> list[EventData]:
    """The events day-close for business date `day` records on the loan, in order (module docstring)."""
    if loan.closed or not loan.exists:
        return []
    events: list[EventData] = []
    late = loan.overdue_installments(day)
    if late:
        since, dpd, yesterday = late[0].due_date, loan.days_past_due(day), day - timedelta(days=1)
        common = {"loan_id": loan.loan_id, "days_past_due": dpd, "overdue_since": since,
                  "amount_overdue": sum((i.principal_left + i.interest_left for i in late), ZERO),
                  "principal_outstanding": loan.principal_outstanding,
                  "principal_overdue": sum((i.principal_left for i in late), ZERO)}
        missed = [i for i in late if i.due_date == yesterday]
        if missed:
            boundary = dpd if dpd in rules.dpd_boundaries and since == yesterday else None
            events.append(PaymentMissed(**common, installment_number=missed[-1].number, due_date=yesterday,
                                        dpd_boundary=boundary))
        if dpd in rules.dpd_boundaries and since != yesterday:
            events.append(PaymentMissed(**common, installment_number=late[0].number, due_date=since,
                                        dpd_boundary=dpd))
        principal_overdue = sum((i.principal_left for i in late), ZERO)
        penalty = to_fen(principal_overdue * rules.penalty_daily_rate)
        if penalty > 0:
            reason = f"罚息 for {day.isoformat()} on overdue principal {money_str(principal_overdue)}"
            events.append(ChargeApplied(loan_id=loan.loan_id, charge_id=penalty_charge_id(loan.loan_id, day),
                                        kind="penalty_interest", amount=penalty, reason=reason))
    reminded = day + timedelta(days=rules.reminder_days_before)
    events += [PaymentDue(loan_id=loan.loan_id, installment_number=i.number, due_date=i.due_date,
                          amount_due=i.principal_left + i.interest_left)
               for i in loan.installments if i.due_date == reminded and not i.settled]
    return events


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

