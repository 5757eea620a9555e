"""Schedules for the three repayment methods, checked against closed forms computed here."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.servicing.domain.schedule import build_schedule, due_date_of

FEN = Decimal("0.01")
CASES = [  # principal, annual rate, months
    (Decimal("100000.00"), Decimal("0.12"), 12),
    (Decimal("100000.00"), Decimal("0.12"), 36),
    (Decimal("3000.00"), Decimal("0.24"), 6),
]


def closed_form_annuity(principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """A = P·r·(1+r)^n / ((1+r)^n − 1), computed independently of the module under test."""
    with localcontext() as ctx:
        ctx.prec = 50
        r = annual_rate / Decimal(12)
        growth = (Decimal(1) + r) ** months
        return (principal * r * growth / (growth - 1)).quantize(FEN, rounding="ROUND_HALF_UP")


def closed_form_balance(principal: Decimal, annual_rate: Decimal, months: int, k: int) -> Decimal:
    """Balance after k level payments: P(1+r)^k − A((1+r)^k − 1)/r (unrounded A)."""
    with localcontext() as ctx:
        ctx.prec = 50
        r = annual_rate / Decimal(12)
        growth_n = (Decimal(1) + r) ** months
        a = principal * r * growth_n / (growth_n - 1)
        growth_k = (Decimal(1) + r) ** k
        return principal * growth_k - a * (growth_k - 1) / r


@pytest.mark.parametrize(("principal", "rate", "months"), CASES)
def test_equal_installment_pays_the_closed_form_annuity_every_month(principal, rate, months):
    schedule = build_schedule(principal, rate, months, "equal_installment", date(2026, 3, 1), 20)
    annuity = closed_form_annuity(principal, rate, months)
    assert [i.total for i in schedule[:-1]] == [annuity] * (months - 1)
    assert abs(schedule[-1].total - annuity) <= Decimal("0.01") * months
    assert sum(i.principal for i in schedule) == principal
    for k, inst in enumerate(schedule, start=1):
        balance_before = closed_form_balance(principal, rate, months, k - 1)
        expected_interest = (balance_before * rate / 12).quantize(FEN, rounding="ROUND_HALF_UP")
        assert abs(inst.interest - expected_interest) <= Decimal("0.01") * k


def test_known_published_annuities():
    """100,000 at 12% for 12 months pays 8,884.88 a month; 3,000 at 24% for 6 pays 535.58."""
    twelve = build_schedule(Decimal("100000.00"), Decimal("0.12"), 12, "equal_installment", date(2026, 3, 1), 20)
    six = build_schedule(Decimal("3000.00"), Decimal("0.24"), 6, "equal_installment", date(2026, 3, 1), 20)
    assert twelve[0].total == Decimal("8884.88")
    assert twelve[0].interest == Decimal("1000.00")
    assert six[0].total == Decimal("535.58")


@pytest.mark.parametrize(("principal", "rate", "months"), CASES)
def test_equal_principal_repays_a_level_share_with_interest_on_the_balance(principal, rate, months):
    schedule = build_schedule(principal, rate, months, "equal_principal", date(2026, 3, 1), 20)
    share = (principal / months).quantize(FEN, rounding="ROUND_HALF_UP")
    assert [i.principal for i in schedule[:-1]] == [share] * (months - 1)
    assert schedule[-1].principal == principal - share * (months - 1)
    assert sum(i.principal for i in schedule) == principal
    balance = principal
    for inst in schedule:
        assert inst.interest == (balance * rate / 12).quantize(FEN, rounding="ROUND_HALF_UP")
        balance -= inst.principal
    assert balance == 0


@pytest.mark.parametrize(("principal", "rate", "months"), CASES)
def test_interest_only_pays_interest_monthly_and_principal_at_maturity(principal, rate, months):
    schedule = build_schedule(principal, rate, months, "interest_only", date(2026, 3, 1), 20)
    monthly = (principal * rate / 12).quantize(FEN, rounding="ROUND_HALF_UP")
    assert [i.interest for i in schedule] == [monthly] * months
    assert [i.principal for i in schedule] == [Decimal("0.00")] * (months - 1) + [principal]


def test_disbursed_on_1_march_the_first_installment_falls_due_on_20_april():
    schedule = build_schedule(Decimal("3000.00"), Decimal("0.24"), 6, "equal_installment", date(2026, 3, 1), 20)
    assert [i.due_date for i in schedule] == [date(2026, m, 20) for m in range(4, 10)]
    assert schedule[0].interest == Decimal("60.00")  # a full month, not pro-rated


def test_due_day_31_clamps_to_the_end_of_short_months():
    assert due_date_of(date(2026, 1, 15), 31, 1) == date(2026, 2, 28)
    assert due_date_of(date(2026, 11, 30), 31, 2) == date(2027, 1, 31)
    assert due_date_of(date(2027, 12, 31), 31, 2) == date(2028, 2, 29)


def test_a_zero_rate_loan_repays_principal_only():
    schedule = build_schedule(Decimal("1000.00"), Decimal("0"), 3, "equal_installment", date(2026, 3, 1), 20)
    assert [i.principal for i in schedule] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert all(i.interest == 0 for i in schedule)


def test_bad_terms_are_refused():
    with pytest.raises(ValueError):
        build_schedule(Decimal("1000.00"), Decimal("0.1"), 0, "equal_installment", date(2026, 3, 1), 20)
    with pytest.raises(ValueError):
        build_schedule(Decimal("1000.00"), Decimal("0.1"), 3, "balloon", date(2026, 3, 1), 20)


amounts = st.decimals(min_value=Decimal("100.00"), max_value=Decimal("5000000.00"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("0.36"), places=4)
terms = st.integers(min_value=1, max_value=360)
methods = st.sampled_from(["equal_installment", "equal_principal", "interest_only"])


@settings(max_examples=200, deadline=None)
@given(amounts, rates, terms, methods, st.integers(min_value=1, max_value=31))
def test_any_schedule_repays_exactly_the_principal_in_fen(principal, rate, months, method, due_day):
    schedule = build_schedule(principal, rate, months, method, date(2026, 1, 31), due_day)
    assert len(schedule) == months
    assert sum(i.principal for i in schedule) == principal
    assert all(i.principal >= 0 and i.interest >= 0 for i in schedule)
    assert all(i.principal == i.principal.quantize(FEN) and i.interest == i.interest.quantize(FEN)
               for i in schedule)
    dates = [i.due_date for i in schedule]
    assert dates == sorted(dates) and len(set(dates)) == months
    balance = principal
    for inst in schedule:  # interest is always one month on the balance at the period's start
        assert inst.interest == (balance * rate / 12).quantize(FEN, rounding="ROUND_HALF_UP")
        balance -= inst.principal


@settings(max_examples=200, deadline=None)
@given(amounts, st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.36"), places=4), terms)
def test_annuity_installments_are_level_except_the_last(principal, rate, months):
    assume(principal / months >= 10)  # below ~10 yuan of principal a month, fen rounding dominates
    # fen rounding of the payment compounds with (1+r)^n; beyond x20 (36% over 20 years) it eats the principal
    assume((1 + rate / 12) ** months < 20)
    schedule = build_schedule(principal, rate, months, "equal_installment", date(2026, 1, 31), 20)
    annuity = closed_form_annuity(principal, rate, months)
    assert all(i.total == annuity for i in schedule[:-1] if i.principal > 0)
