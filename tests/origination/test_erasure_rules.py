"""When a borrower may be erased (issue 16), pure: never while a debt is open, only after the retention period."""

from __future__ import annotations

from datetime import date

from services.origination.domain.erasure import BorrowerRecord, erasure_refusal

TODAY = date(2031, 6, 1)


def _code(records, retention=1825):
    refusal = erasure_refusal(records, TODAY, retention)
    return None if refusal is None else refusal.code


def test_an_open_application_or_an_unpaid_loan_keeps_the_data():
    assert _code([BorrowerRecord("a1", "under_review", None, None)]) == "application_open"
    assert _code([BorrowerRecord("a1", "approved", None, None)]) == "application_open"
    # disbursed and not paid off: open, written off (still owed) or in legal proceedings
    assert _code([BorrowerRecord("a1", "disbursed", "L1", None),
                  BorrowerRecord("a2", "disbursed", "L2", date(2020, 1, 1))]) == "debt_open"


def test_the_retention_period_counts_from_the_last_debt_closed():
    paid = BorrowerRecord("a1", "disbursed", "L1", date(2026, 6, 1))
    assert _code([paid]) is None  # 1,826 days later: erasable
    later = BorrowerRecord("a2", "rejected", None, date(2026, 6, 3))
    refusal = erasure_refusal([paid, later], TODAY, 1825)
    assert refusal is not None and refusal.code == "retention_period"
    assert refusal.details == [{"closed_on": "2026-06-03", "erasable_on": "2031-06-02"}]
    assert _code([paid, later], retention=0) is None
