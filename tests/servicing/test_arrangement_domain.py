"""Honouring an arrangement on the loan aggregate (issue 15), without I/O: the waiver's order (charges, interest,
principal), the instalments as due dates, day-close on them, pay-off, the way back when broken — and, for any loan,
waiver and payments: balance before = balance after + waived + paid, to the fen."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.servicing.domain import arrangement as arrangements
from services.servicing.domain.dayclose import DayCloseRules, day_close
from services.servicing.domain.loan import Loan
from shared.contracts.arrangements import ArrangementApproved, ArrangementInstalment
from shared.contracts.servicing import LoanPaidOff, PaymentMissed
from shared.money import FEN, ZERO
from tests.servicing.test_loan_aggregate import charge, loan_of, pay

RULES = DayCloseRules.of(Decimal("0.0005"), 3, [30, 60, 90])


def approved(*amounts: Decimal, waive: Decimal, start: date, owed: Decimal = ZERO) -> ArrangementApproved:
    return ArrangementApproved(
        case_id="L1-E1", loan_id="L1", arrangement_id="arr-1", kind="settlement", waive=waive, owed=owed,
        proposed_by="li", approved_by="chen", approved_on=start,
        instalments=[ArrangementInstalment(number=n, due_date=start + timedelta(days=30 * n), amount=a)
                     for n, a in enumerate(amounts, 1)])


def applied(loan: Loan, event: ArrangementApproved, on: date):
    [fact] = arrangements.apply(loan, event, on)
    loan.apply(fact, on)
    return fact


def overdue_loan() -> tuple[Loan, date]:
    """A 3,000.00 loan over three months, nothing paid, 95 days after the first due date, with charges."""
    loan = loan_of(principal="3000.00", rate="0.24", months=3)
    on = date(2026, 4, 20) + timedelta(days=95)
    charge(loan, "penalty_interest", "300.00", on, "c1")
    charge(loan, "failed_debit_fee", "50.00", on, "c2")
    return loan, on


def test_the_waiver_takes_charges_first_and_the_instalments_become_the_due_dates():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    assert owed == Decimal("3000.00") + sum((i.interest for i in loan.installments), ZERO) + Decimal("350.00")
    waive = Decimal("70.00")  # 20% of the charges
    half = ((owed - waive) / 2).quantize(FEN)
    fact = applied(loan, approved(half, owed - waive - half, waive=waive, start=on, owed=owed), on)
    assert (fact.waived.charges, fact.waived.interest, fact.waived.principal) == (Decimal("70.00"), ZERO, ZERO)
    assert fact.owed_before == owed and fact.adjustment == ZERO and fact.first_installment_number == 4
    assert loan.status(on) == "current" and loan.overdue_installments(on) == []
    assert [i.due_date for i in loan.in_force] == [on + timedelta(days=30), on + timedelta(days=60)]
    assert [c.left for c in loan.charges] == [Decimal("230.00"), Decimal("50.00")]  # 300 − 70, then the fee

    # day-close judges the arrangement's dates the usual way
    first_due = on + timedelta(days=30)
    missed = [e for e in day_close(loan, first_due + timedelta(days=1), RULES) if isinstance(e, PaymentMissed)]
    assert [(e.installment_number, e.due_date) for e in missed] == [(4, first_due)]

    pay(loan, str(half), first_due)
    second_due = on + timedelta(days=60)
    events = pay(loan, str(owed - waive - half), second_due)
    assert isinstance(events[-1], LoanPaidOff) and loan.status(second_due) == "paid_off"
    assert loan.total_paid + waive == owed


def test_a_waiver_larger_than_the_charges_goes_on_to_interest_then_principal():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    interest = sum((i.interest for i in loan.installments), ZERO)
    waive = Decimal("350.00") + interest + Decimal("10.00")
    fact = applied(loan, approved(owed - waive, waive=waive, start=on, owed=owed), on)
    assert (fact.waived.charges, fact.waived.interest, fact.waived.principal) == (
        Decimal("350.00"), interest, Decimal("10.00"))
    assert loan.principal_outstanding == Decimal("2990.00")


def test_the_last_instalment_takes_what_moved_since_the_proposal():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    charge(loan, "penalty_interest", "1.50", on, "c3")  # a day's 罚息 between proposal and approval
    fact = applied(loan, approved(Decimal("1000.00"), owed - Decimal("1000.00"), waive=ZERO, start=on, owed=owed), on)
    assert fact.adjustment == Decimal("1.50") and fact.instalments[-1].amount == owed - Decimal("1000.00") + Decimal(
        "1.50")


def test_a_plan_the_loan_outgrew_is_declined_with_what_is_owed_now_against_what_was_planned():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    plan = approved(Decimal("1000.00"), owed - Decimal("1000.00"), waive=ZERO, start=on, owed=owed)
    pay(loan, str(owed - Decimal("1000.00")), on)  # paid between proposal and approval: the last instalment is 0.00
    [fact] = arrangements.apply(loan, plan, on)
    assert fact.event_type == "loan.arrangement.declined" and fact.reason == "plan_no_longer_fits"
    assert (fact.owed_now, fact.planned, fact.last_instalment) == (Decimal("1000.00"), owed, owed - Decimal("1000.00"))
    assert fact.adjustment == fact.owed_now - fact.planned
    loan.apply(fact, on)
    assert loan.arrangement is None and arrangements.apply(loan, plan, on) == []  # redelivered: nothing again
    assert not any(i.plan for i in loan.installments)  # the loan keeps its terms


def test_one_cent_left_on_the_last_instalment_still_fits():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    pay(loan, str(owed - Decimal("1000.01")), on)
    fact = applied(loan, approved(Decimal("1000.00"), owed - Decimal("1000.00"), waive=ZERO, start=on, owed=owed), on)
    assert fact.event_type == "loan.arrangement.applied" and fact.instalments[-1].amount == Decimal("0.01")


def test_a_second_arrangement_while_one_holds_is_declined_and_a_closed_loan_declines_too():
    loan, on = overdue_loan()
    owed = arrangements.base(loan, on)
    applied(loan, approved(Decimal("1000.00"), owed - Decimal("1000.00"), waive=ZERO, start=on, owed=owed), on)
    other = approved(Decimal("1000.00"), owed - Decimal("1000.00"), waive=ZERO, start=on, owed=owed).model_copy(
        update={"arrangement_id": "arr-2"})
    [fact] = arrangements.apply(loan, other, on)
    assert (fact.event_type, fact.reason) == ("loan.arrangement.declined", "another_arrangement_held")
    closed, _ = overdue_loan()
    closed.apply(LoanPaidOff(loan_id="L1", paid_off_on=on, total_paid=owed), on)
    [fact] = arrangements.apply(closed, other, on)
    assert (fact.reason, fact.owed_now) == ("loan_closed", ZERO)


def test_broken_the_original_terms_return_with_what_was_waived_and_the_payments_count():
    loan, on = overdue_loan()
    before = arrangements.base(loan, on)
    schedule = [(i.principal_left, i.interest_left) for i in loan.installments]
    waive = Decimal("70.00")
    applied(loan, approved(Decimal("1000.00"), before - waive - Decimal("1000.00"), waive=waive, start=on,
                           owed=before), on)
    first_due = on + timedelta(days=30)
    pay(loan, "1000.00", first_due)
    [reverted] = arrangements.revert(loan, "arr-1", first_due + timedelta(days=31))
    loan.apply(reverted, first_due + timedelta(days=31))
    assert (reverted.restored.charges, reverted.paid_under_arrangement) == (waive, Decimal("1000.00"))
    assert loan.arrangement is None and [i.number for i in loan.in_force] == [1, 2, 3]
    assert arrangements.base(loan, on) == before - Decimal("1000.00")
    assert reverted.overdue_since == date(2026, 4, 20) and reverted.days_past_due > 95
    # payments went to charges first (280.00 left after the waiver), then interest and principal oldest first
    assert sum((c.left for c in loan.charges), ZERO) == Decimal("350.00") - Decimal("280.00")
    assert loan.installments[0].principal_left < schedule[0][0]
    assert arrangements.revert(loan, "arr-1", first_due) == []  # nothing to revert twice


@st.composite
def stories(draw):
    months = draw(st.integers(1, 12))
    principal = Decimal(draw(st.integers(1000, 5_000_000))) / 100
    loan = loan_of(principal=str(principal), rate=draw(st.sampled_from(["0.0", "0.12", "0.24", "0.36"])),
                   months=months, method=draw(st.sampled_from(["equal_installment", "equal_principal",
                                                               "interest_only"])))
    on = date(2026, 4, 20) + timedelta(days=draw(st.integers(1, 400)))
    for n in range(draw(st.integers(0, 3))):
        charge(loan, draw(st.sampled_from(["penalty_interest", "failed_debit_fee"])),
               str(Decimal(draw(st.integers(1, 50_000))) / 100), on, f"c{n}")
    owed = arrangements.base(loan, on)
    waive = (owed * Decimal(draw(st.integers(0, 100))) / 100).quantize(FEN)
    count = draw(st.integers(1, 6))
    rest = owed - waive
    cuts = sorted(draw(st.lists(st.integers(1, max(int(rest * 100) - 1, 1)), min_size=count - 1,
                                max_size=count - 1, unique=True))) if rest > count * FEN else []
    points = [ZERO, *[Decimal(c) / 100 for c in cuts], rest]
    amounts = [b - a for a, b in itertools.pairwise(points) if b - a > 0] or [rest]
    paid = draw(st.integers(0, len(amounts)))
    return loan, on, owed, waive, amounts, paid


@settings(max_examples=150, deadline=None)
@given(stories())
def test_balance_before_equals_after_plus_waived_plus_paid(story):
    loan, on, owed, waive, amounts, paid_count = story
    if owed - waive <= 0 or any(a <= 0 for a in amounts):
        return
    facts = arrangements.apply(loan, approved(*amounts, waive=waive, start=on, owed=owed), on)
    assert facts, "an arrangement that adds up is applied"
    loan.apply(facts[0], on)
    paid = ZERO
    for n, amount in enumerate(amounts[:paid_count], 1):
        pay(loan, str(amount), on + timedelta(days=30 * n))
        paid += amount
    after = ZERO if loan.closed == "paid_off" else arrangements.outstanding(loan)
    assert owed == after + facts[0].waived_total + paid
    assert facts[0].waived_total == facts[0].waived.charges + facts[0].waived.interest + facts[0].waived.principal
    assert (loan.closed == "paid_off") == (paid_count == len(amounts))
    if loan.closed is None:  # broken: the waiver comes back, the payments count
        loan.apply(arrangements.revert(loan, "arr-1", on)[0], on)
        assert arrangements.base(loan, on) == owed - paid
