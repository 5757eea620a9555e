"""Issue 15's legal proceedings, as collections publishes them, for the report's period 1–31 March 2026:

- C31: referred by the policy in February; filed 2 Mar (fees 25.00), payment order 10 Mar (50.00), enforcement
  20 Mar (100.10), closed 28 Mar recovered 6,000.00 -> closed.
- C32: referred by hand 5 Mar, filed 6 Mar (court fees 1,234.56), judgment 25 Mar -> judgment.
- C33: referred in February; the debt time-barred on 15 Mar before any filing -> not in legal.
- C34: a fraud case: referred to the police by the fraud rule 11 Mar, police report 12 Mar (no referral to
  court) -> neither a referral nor counted in a stage.
- C35: referred 30 Mar, the referral dropped (closed, withdrawn) on 31 Mar -> closed; and C36 referred in April
  (after the period: neither counted in March nor standing at its end).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.contracts import collections as c
from tests.reporting.story import Story

D = date


def _referred(st: Story, case: str, day: date, by: str = "policy", route: str | None = "payment_order") -> None:
    loan = "L" + case[1:]
    st.case(c.CaseOpened(case_id=case, loan_id=loan, stage="back", days_past_due=100,
                         amount_overdue=Decimal("9000.00"), opened_on=day), loan, day)
    st.case(c.LegalReferred(case_id=case, loan_id=loan, action_id=f"{case}-A1", on=day, route=route,  # type: ignore[arg-type]
                            referred_by=by, rule_id="back-legal-large" if by == "policy" else None), loan, day)


def _step(st: Story, case: str, n: int, kind: str, day: date, cost: str = "0.00", **kw: Any) -> None:
    loan = "L" + case[1:]
    st.case(c.LegalActionRecorded(case_id=case, loan_id=loan, action_id=f"{case}-A{n}", kind=kind, on=day,  # type: ignore[arg-type]
                                  cost=Decimal(cost), recorded_by="wu", stage="back", **kw), loan, day)


def legal_story(st: Story | None = None) -> Story:
    st = st or Story()
    _referred(st, "C31", D(2026, 2, 20))
    _step(st, "C31", 2, "filing", D(2026, 3, 2), "25.00", court="上海市浦东新区人民法院",
          reference="(2026)沪0115民初1号")
    _step(st, "C31", 3, "payment_order", D(2026, 3, 10), "50.00", amount=Decimal("9000.00"))
    _step(st, "C31", 4, "enforcement", D(2026, 3, 20), "100.10", amount=Decimal("6000.00"))
    _step(st, "C31", 5, "closed", D(2026, 3, 28), outcome="recovered", amount=Decimal("6000.00"))
    _referred(st, "C32", D(2026, 3, 5), by="wu", route=None)
    _step(st, "C32", 2, "filing", D(2026, 3, 6), "1234.56")
    _step(st, "C32", 3, "judgment", D(2026, 3, 25), amount=Decimal("9000.00"))
    _referred(st, "C33", D(2026, 2, 1))
    st.case(c.StatuteExpired(case_id="C33", loan_id="L33", runs_from=D(2023, 3, 15), expired_on=D(2026, 3, 15)),
            "L33", D(2026, 3, 15))
    loan = "L34"
    st.case(c.CaseOpened(case_id="C34", loan_id=loan, stage="front", days_past_due=10,
                         amount_overdue=Decimal("900.00"), opened_on=D(2026, 3, 1)), loan, D(2026, 3, 1))
    st.case(c.LegalReferred(case_id="C34", loan_id=loan, action_id="C34-A1", on=D(2026, 3, 11), route="police",
                            referred_by="policy", rule_id="fraud-off-ordinary-path"), loan, D(2026, 3, 11))
    _step(st, "C34", 2, "police_report", D(2026, 3, 12), reference="沪公经侦立字2026-17")
    _referred(st, "C35", D(2026, 3, 30), by="chen", route="lawsuit")
    _step(st, "C35", 2, "closed", D(2026, 3, 31), outcome="withdrawn")
    _referred(st, "C36", D(2026, 4, 2))
    return st
