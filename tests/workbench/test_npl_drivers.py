"""What moved the NPL ratio (pure): the month-on-month change split into the non-performing balance's part and
the book's part, which add up to it, and the loans that crossed the threshold or left it (roll table)."""

from __future__ import annotations

from decimal import Decimal

from services.workbench.domain.npl_drivers import npl_drivers


def report(**over: object) -> dict:
    """DOMAIN.md §4's report: 3,463,100 of 83,720,000 (4.14%), down from 5.21% at the month end before."""
    return {"as_of": "2026-04-30", "npl_dpd_threshold": 90, "outstanding_principal": "83720000.00",
            "npl": {"balance": "3463100.00", "ratio": "0.0414"},
            "previous_month_end": {"date": "2026-03-31", "outstanding_principal": "85000000.00",
                                   "npl": {"balance": "4428500.00", "ratio": "0.0521"}},
            "change": {"npl_balance": "-965400.00", "npl_ratio": "-0.0107"},
            "roll_rates": {"61-90": {"count": 9, "to": {"91-180": 3, "61-90": 2, "current": 4}},
                           "31-60": {"count": 5, "to": {"180+": 1, "61-90": 4}},
                           "91-180": {"count": 20, "to": {"current": 5, "paid_off": 2, "written_off": 6, "180+": 7}},
                           "180+": {"count": 4, "to": {"180+": 3, "written_off": 1}}},
            **over}


def test_the_ratio_change_is_the_balance_part_plus_the_book_part():
    d = npl_drivers(report())
    assert d is not None and d.since == "2026-03-31"
    assert (d.previous_balance, d.balance, d.balance_change) == (
        Decimal("4428500.00"), Decimal("3463100.00"), Decimal("-965400.00"))
    assert d.outstanding_change == Decimal("-1280000.00")
    assert d.from_balance is not None and d.from_book is not None
    assert d.from_balance + d.from_book == Decimal("3463100") / Decimal("83720000") - Decimal("4428500") / Decimal(
        "85000000"), "the two parts add up to the change, exactly"
    assert round(d.from_balance * 100, 2) == Decimal("-1.14"), "less bad debt: the ratio fell"
    assert round(d.from_book * 100, 2) == Decimal("0.06"), "a smaller book pushed it up a little"


def test_the_loans_that_crossed_90_days_and_those_that_left_come_from_the_roll_table():
    d = npl_drivers(report())
    assert d is not None
    assert d.entered == 4, "3 from 61-90 into 91-180, 1 from 31-60 straight to 180+"
    assert d.left == 7, "5 back to current and 2 paid off; the 7 that went on to 180+ are still non-performing"
    assert d.written_off == 7
    other = npl_drivers(report(npl_dpd_threshold=60))
    assert other is not None and (other.entered, other.left, other.written_off) == (None, None, None), (
        "the buckets split at 90 days: no counts for another threshold")


def test_an_empty_book_has_no_ratio_parts_and_a_report_without_a_month_end_no_drivers():
    empty = report(previous_month_end={"date": "2026-03-31", "outstanding_principal": "0.00",
                                       "npl": {"balance": "0.00", "ratio": None}})
    d = npl_drivers(empty)
    assert d is not None and d.from_balance is None and d.from_book is None and d.previous_ratio is None
    assert npl_drivers({"as_of": "2026-04-30"}) is None
