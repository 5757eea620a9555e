"""Servicing's knobs come from LOANFLOW_SERVICING_* and refuse nonsense."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.servicing.config import ServicingSettings


def test_knobs_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LOANFLOW_SERVICING_DPD_BOUNDARIES", "[90, 30, 30]")
    monkeypatch.setenv("LOANFLOW_SERVICING_WATERFALL", '["principal", "interest", "charge", "penalty_interest"]')
    monkeypatch.setenv("LOANFLOW_SERVICING_PENALTY_DAILY_RATE", "0.0007")
    monkeypatch.setenv("LOANFLOW_SERVICING_FAILED_DEBIT_FEE", "35.00")
    s = ServicingSettings()
    assert s.dpd_boundaries == [30, 90]
    assert s.waterfall[0] == "principal"
    assert (s.penalty_daily_rate, s.failed_debit_fee) == (Decimal("0.0007"), Decimal("35.00"))


@pytest.mark.parametrize("bad", [
    {"waterfall": ["charge", "interest", "principal"]},
    {"dpd_boundaries": [0, 30]},
    {"failed_debit_fee": Decimal("-1")},
])
def test_incomplete_or_negative_settings_are_refused(bad):
    with pytest.raises(ValidationError):
        ServicingSettings(**bad)
