"""Promises to pay: kept when paid in time, broken or partial otherwise, judged at day-close."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from services.collections.domain.promises import Promise, count_payment, judge_at_day_close


def promise(amount: str = "1000.00", on: date = date(2026, 5, 10)) -> Promise:
    return Promise(promise_id="p1", amount=Decimal(amount), promised_date=on, made_on=date(2026, 5, 1),
                   collector="li")


def test_payment_covering_the_promise_by_the_date_keeps_it():
    p = promise()
    assert count_payment(p, Decimal("400.00"), date(2026, 5, 8), grace_days=0) is False
    assert count_payment(p, Decimal("600.00"), date(2026, 5, 10), grace_days=0) is True
    assert p.status == "kept" and p.paid == Decimal("1000.00")


def test_payment_after_the_deadline_does_not_count_and_day_close_breaks_it():
    p = promise()
    assert count_payment(p, Decimal("1000.00"), date(2026, 5, 11), grace_days=0) is False
    assert judge_at_day_close(p, date(2026, 5, 10), grace_days=0) == "open"  # the promised day itself
    assert judge_at_day_close(p, date(2026, 5, 11), grace_days=0) == "broken"


def test_grace_days_extend_the_deadline():
    p = promise()
    assert count_payment(p, Decimal("1000.00"), date(2026, 5, 12), grace_days=2) is True


def test_partial_payment_is_recorded_as_partial_not_kept():
    p = promise()
    count_payment(p, Decimal("300.00"), date(2026, 5, 9), grace_days=0)
    assert judge_at_day_close(p, date(2026, 5, 11), grace_days=0) == "partial"
    assert p.paid == Decimal("300.00")


@given(st.lists(st.integers(1, 50_000), max_size=6), st.integers(1, 100_000))
def test_kept_exactly_when_payments_in_time_cover_the_amount(payments_fen, amount_fen):
    p = promise(amount=str(Decimal(amount_fen) / 100))
    for fen in payments_fen:
        count_payment(p, Decimal(fen) / 100, date(2026, 5, 9), grace_days=0)
    judge_at_day_close(p, date(2026, 5, 11), grace_days=0)
    covered = sum(payments_fen) >= amount_fen
    assert (p.status == "kept") == covered
    if not covered:
        assert p.status == ("partial" if payments_fen else "broken")
