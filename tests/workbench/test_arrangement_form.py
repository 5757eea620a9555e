"""The case page's arrangement form (pure): up to 36 rows sent as collections' instalments, and the generator
that fills them — a count, the first due date, monthly, the amount owed less the waiver split to the fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.workbench.domain.arrangement_form import (
    MAX_ROWS,
    PlanError,
    add_months,
    body,
    generate,
    rows_shown,
    split,
)


def test_the_split_is_to_the_fen_with_the_remainder_on_the_last():
    assert split(Decimal("1000.00"), 3) == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert split(Decimal("0.36"), 36) == [Decimal("0.01")] * 36
    parts = split(Decimal("12345.67"), 36)
    assert sum(parts) == Decimal("12345.67") and len(set(parts[:-1])) == 1 and parts[-1] >= parts[0]
    assert (parts[0], parts[-1]) == (Decimal("342.93"), Decimal("343.12"))  # 12345.67 − 35 × 342.93


def test_monthly_dates_keep_the_day_or_take_the_months_last():
    assert [add_months(date(2026, 1, 31), k) for k in range(4)] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2027, 11, 29), 3) == date(2028, 2, 29)


def test_generating_36_rows_fills_the_form_and_clears_earlier_rows():
    form = {"kind": "instalment_plan", "waive": "100.00", "plan_count": "36", "plan_first_due": "2026-05-31",
            "due_date_1": "2026-05-01", "amount_1": "5.00", "due_date_40": "x"}
    filled = generate(form, "12445.67")
    assert filled["kind"] == "instalment_plan" and filled["waive"] == "100.00" and "due_date_40" not in filled
    sent = body(filled)["instalments"]
    assert len(sent) == 36 == rows_shown(filled)
    assert sum(Decimal(i["amount"]) for i in sent) + Decimal("100.00") == Decimal("12445.67")
    assert (sent[0], sent[1]["due_date"], sent[-1]["due_date"]) == (
        {"due_date": "2026-05-31", "amount": "342.93"}, "2026-06-30", "2029-04-30")


@pytest.mark.parametrize("change, rule", [({"plan_count": "37"}, "plan_count"), ({"plan_count": "0"}, "plan_count"),
                                          ({"plan_count": "two"}, "plan_count"),
                                          ({"plan_first_due": "31/05/2026"}, "plan_first_due"),
                                          ({"waive": "1.005"}, "arrangement_waive"),
                                          ({"waive": "-1"}, "arrangement_waive"),
                                          ({"waive": "999.99"}, "plan_nothing_owed")])
def test_what_cannot_be_split_names_its_rule(change, rule):
    form = {"plan_count": "3", "plan_first_due": "2026-05-31", **change}
    with pytest.raises(PlanError) as bad:
        generate(form, "1000.00")
    assert bad.value.code == rule


def test_the_body_takes_up_to_36_rows_and_six_are_shown_when_nothing_was_typed():
    form = {f"due_date_{n}": f"2026-06-{n:02d}" for n in range(1, 31)} | {
        f"amount_{n}": "1.00" for n in range(1, 31)} | {"due_date_37": "2029-01-01", "amount_37": "1.00"}
    assert len(body(form)["instalments"]) == 30 and rows_shown(form) == 30
    assert rows_shown({}) == 6 and rows_shown({"amount_8": "1.00"}) == 8 and MAX_ROWS == 36
