"""The day-close rule on one loan, without a database (`domain/dayclose.day_close`).

The loan: 3,000.00 at 24% over 6 months, disbursed on 1 March, due on the 20th: 535.58 a month,
the first installment (60.00 interest, 475.58 principal) on 20 April.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.servicing.domain.dayclose import DayCloseRules, advance_limit, day_close, penalty_charge_id
from shared.contracts.servicing import ChargeApplied, PaymentDue, PaymentMissed

from .test_loan_aggregate import loan_of, pay

RULES = DayCloseRules.of(Decimal("0.0005"), 3, [30, 60, 90, 180])


def test_on_17_april_the_20_april_installment_is_reminded_and_nothing_else():
    [due] = day_close(loan_of(), date(2026, 4, 17), RULES)
    assert due == PaymentDue(loan_id="L1", installment_number=1, due_date=date(2026, 4, 20),
                             amount_due=Decimal("535.58"))
    assert day_close(loan_of(), date(2026, 4, 20), RULES) == []


def test_on_21_april_the_unpaid_installment_is_missed_with_dpd_1_and_a_days_penalty():
    missed, charge = day_close(loan_of(), date(2026, 4, 21), RULES)
    assert isinstance(missed, PaymentMissed) and isinstance(charge, ChargeApplied)
    assert (missed.installment_number, missed.due_date, missed.days_past_due, missed.overdue_since) == (
        1, date(2026, 4, 20), 1, date(2026, 4, 20))
    assert (missed.amount_overdue, missed.principal_outstanding, missed.dpd_boundary) == (
        Decimal("535.58"), Decimal("3000.00"), None)
    assert (charge.amount, charge.charge_id) == (Decimal("0.24"), penalty_charge_id("L1", date(2026, 4, 21)))
    assert charge.reason == "罚息 for 2026-04-21 on overdue principal 475.58"  # 475.58 × 0.0005 = 0.2378


def test_thirty_days_after_20_april_the_miss_is_repeated_at_the_boundary():
    boundary, charge = day_close(loan_of(), date(2026, 5, 20), RULES)
    assert (boundary.installment_number, boundary.due_date, boundary.dpd_boundary) == (1, date(2026, 4, 20), 30)
    assert charge.event_type == "loan.charge.applied"


def test_a_first_miss_on_a_boundary_day_is_one_event_carrying_the_boundary():
    [missed, _] = day_close(loan_of(), date(2026, 4, 21), DayCloseRules.of(Decimal("0.0005"), 3, [1, 30]))
    assert (missed.dpd_boundary, missed.installment_number) == (1, 1)


def test_the_second_miss_counts_dpd_from_the_first_unpaid_due_date_and_the_penalty_on_both():
    missed, charge = day_close(loan_of(), date(2026, 5, 21), RULES)
    assert (missed.installment_number, missed.days_past_due, missed.overdue_since) == (2, 31, date(2026, 4, 20))
    assert missed.amount_overdue == Decimal("1071.16")
    assert charge.amount == Decimal("0.48")  # (475.58 + 485.09) × 0.0005 = 0.480335


def test_paid_loans_are_cured_and_closed_loans_get_nothing():
    loan = loan_of()
    pay(loan, "535.58", date(2026, 4, 22))  # late, but everything overdue is paid
    assert day_close(loan, date(2026, 4, 23), RULES) == []
    pay(loan, str(loan.payoff_amount(date(2026, 4, 23))), date(2026, 4, 23))
    assert loan.closed == "paid_off" and day_close(loan, date(2026, 5, 17), RULES) == []
    written_off = loan_of()
    for event in written_off.write_off(on=date(2026, 5, 1), case_id="c", decided_by="carol"):
        written_off.apply(event, date(2026, 5, 1))
    assert day_close(written_off, date(2026, 5, 2), RULES) == []


def test_an_installment_that_owes_nothing_is_never_missed_nor_reminded():
    loan = loan_of(principal="0.01", rate="0.06", months=3, method="interest_only")
    assert [i.settled for i in loan.installments] == [True, True, False]
    assert day_close(loan, date(2026, 4, 17), RULES) == [] and day_close(loan, date(2026, 4, 21), RULES) == []


def test_one_advance_reaches_ten_years_and_29_february_goes_to_28_february():
    assert advance_limit(date(2026, 12, 7)) == date(2036, 12, 7)
    assert advance_limit(date(2028, 2, 29)) == date(2038, 2, 28)
