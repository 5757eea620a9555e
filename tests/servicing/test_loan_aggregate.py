"""The loan aggregate without I/O: the waterfall, payoff, overpayment, write-off, recoveries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.servicing.domain.errors import LoanClosed, Overpayment
from services.servicing.domain.loan import Loan
from services.servicing.domain.schedule import build_schedule
from shared.contracts.servicing import (
    ChargeApplied,
    LoanPaidOff,
    PaymentReceived,
    ScheduleCreated,
    ScheduledInstallment,
)

PAID_AT = datetime(2026, 4, 20, 10, 0, tzinfo=UTC)


def loan_of(principal="3000.00", rate="0.24", months=6, method="equal_installment") -> Loan:
    plan = build_schedule(Decimal(principal), Decimal(rate), months, method, date(2026, 3, 1), 20)
    schedule = ScheduleCreated(loan_id="L1", principal=Decimal(principal), repayment_method=method,
                               installments=[ScheduledInstallment(number=i.number, due_date=i.due_date,
                                                                  principal=i.principal, interest=i.interest)
                                             for i in plan])
    return Loan.fold("L1", [(schedule, date(2026, 3, 1))])


def pay(loan: Loan, amount: str, on: date, order=("charge", "penalty_interest", "interest", "principal")):
    events = loan.receive_payment(payment_id="p", partner_id="ptn", external_ref="x", amount=Decimal(amount),
                                  paid_at=PAID_AT, on=on, order=order)
    for e in events:
        loan.apply(e, on)
    return events


def charge(loan: Loan, kind: str, amount: str, on: date, charge_id: str) -> None:
    loan.apply(ChargeApplied(loan_id="L1", charge_id=charge_id, kind=kind, amount=Decimal(amount), reason="t"), on)


def test_an_overdue_loan_pays_fee_then_penalty_then_interest_then_principal():
    loan = loan_of()
    on = date(2026, 4, 25)
    charge(loan, "penalty_interest", "1.20", on, "c1")
    charge(loan, "failed_debit_fee", "50.00", on, "c2")
    [received] = pay(loan, "200.00", on)
    assert [(ln.kind, ln.installment_number, ln.amount) for ln in received.allocation] == [
        ("charge", None, Decimal("50.00")), ("penalty_interest", None, Decimal("1.20")),
        ("interest", 1, Decimal("60.00")), ("principal", 1, Decimal("88.80"))]
    assert loan.status(on) == "overdue" and loan.days_past_due(on) == 5


def test_a_configured_order_can_put_principal_before_charges():
    loan = loan_of()
    on = date(2026, 4, 25)
    charge(loan, "failed_debit_fee", "50.00", on, "c2")
    [received] = pay(loan, "500.00", on, order=("principal", "interest", "charge", "penalty_interest"))
    assert [(ln.kind, ln.amount) for ln in received.allocation] == [
        ("principal", Decimal("475.58")), ("interest", Decimal("24.42"))]


def test_early_payoff_waives_later_interest_and_closes_the_loan():
    loan = loan_of()
    on = date(2026, 4, 10)
    assert loan.payoff_amount(on) == Decimal("3060.00")
    received, paid_off = pay(loan, "3060.00", on)
    assert isinstance(paid_off, LoanPaidOff) and received.status == "paid_off"
    scheduled_interest = sum(i.interest for i in loan.installments)
    assert paid_off.interest_waived == scheduled_interest - Decimal("60.00")
    assert loan.principal_outstanding == 0 and all(i.settled for i in loan.installments)
    with pytest.raises(LoanClosed):
        pay(loan, "1.00", on)


def test_more_than_the_payoff_is_an_overpayment():
    loan = loan_of()
    with pytest.raises(Overpayment):
        pay(loan, "3060.01", date(2026, 4, 10))


def test_written_off_loans_accept_recoveries_and_stay_written_off():
    loan = loan_of()
    on = date(2026, 8, 1)
    [written] = loan.write_off(on=on, case_id="c", decided_by="lena")
    loan.apply(written, on)
    assert written.principal == Decimal("3000.00") and loan.status(on) == "written_off"
    [received] = pay(loan, "100.00", on)
    assert received.status == "written_off"
    assert loan.write_off(on=on, case_id="c", decided_by="lena") == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1500.00"), places=2), min_size=1,
                max_size=12),
       st.integers(min_value=0, max_value=200), st.sampled_from(["equal_installment", "equal_principal",
                                                                 "interest_only"]))
def test_payments_are_allocated_exactly_and_never_beyond_what_is_owed(amounts, day_offset, method):
    loan = loan_of(method=method)
    on = date(2026, 3, 2).fromordinal(date(2026, 3, 2).toordinal() + day_offset)
    charge(loan, "penalty_interest", "3.00", on, "pen")
    for amount in amounts:
        if loan.closed:
            break
        owed = loan.payoff_amount(on)
        if amount > owed:
            with pytest.raises(Overpayment):
                pay(loan, str(amount), on)
            continue
        events = pay(loan, str(amount), on)
        received = events[0]
        assert isinstance(received, PaymentReceived)
        assert sum(ln.amount for ln in received.allocation) == amount
        assert all(ln.amount > 0 for ln in received.allocation)
        assert loan.payoff_amount(on) == owed - amount
        assert (len(events) == 2) == (owed == amount)
    assert all(i.principal_paid <= i.principal and i.interest_left >= 0 for i in loan.installments)
