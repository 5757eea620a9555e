"""Product limits and the credit bureau come from the environment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.origination.adapters.credit_bureau import FileCreditBureau, NoCreditBureau, make_credit_bureau
from services.origination.config import OriginationSettings


def test_product_limits_are_overridden_field_by_field(monkeypatch):
    monkeypatch.setenv("LOANFLOW_ORIGINATION_PRODUCTS",
                       '{"credit": {"max_amount": "50000", "large_amount_threshold": 30000, "due_day": 5}}')
    rules = OriginationSettings().product_rules()
    assert rules["credit"].max_amount == Decimal("50000")
    assert rules["credit"].large_amount_threshold == Decimal("30000")
    assert rules["credit"].due_day == 5
    assert rules["credit"].max_term_months == 36
    assert rules["mortgage"].max_amount == Decimal("5000000")


def test_a_due_day_not_in_every_month_is_refused(monkeypatch):
    monkeypatch.setenv("LOANFLOW_ORIGINATION_PRODUCTS", '{"credit": {"due_day": 31}}')
    with pytest.raises(ValidationError):
        OriginationSettings().product_rules()


def test_the_credit_bureau_adapter_is_chosen_by_configuration(monkeypatch, tmp_path):
    assert isinstance(make_credit_bureau("none", None), NoCreditBureau)
    monkeypatch.setenv("LOANFLOW_ORIGINATION_CREDIT_BUREAU", "file")
    monkeypatch.setenv("LOANFLOW_ORIGINATION_CREDIT_BUREAU_FILE", str(tmp_path / "reports.json"))
    s = OriginationSettings()
    assert isinstance(make_credit_bureau(s.credit_bureau, s.credit_bureau_file), FileCreditBureau)
    with pytest.raises(ValueError):
        make_credit_bureau("file", None)


async def test_the_file_bureau_reads_the_latest_file(tmp_path):
    path = tmp_path / "reports.json"
    bureau = FileCreditBureau(path)
    assert await bureau.report_for("11010519491231002X") is None
    path.write_text('{"11010519491231002X": {"max_overdue_months": 2, "lender": "某银行"}}')
    report = await bureau.report_for("11010519491231002X")
    assert report is not None and report.max_overdue_months == 2
