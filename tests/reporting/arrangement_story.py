"""Issue 15's arrangements, as collections and servicing publish them:

- C31 (loan L31): a settlement proposed 2 Mar waiving 90.00 (pending), approved by a supervisor the same day;
  servicing applies it (90.00 of charges waived); the borrower pays 1,500.00 on 1 Apr and 1,950.00 on 1 May:
  completed, paid off.
- C32 (loan L32): proposed 5 Mar, rejected 6 Mar; a plan proposed 7 Mar approved at once, applied with 50.00 of
  charges waived; 500.00 paid on 1 Apr; the 8 Apr instalment missed: broken, reverted (the 50.00 restored).
- C33 (loan L33): a plan proposed and approved at once on 10 Mar on 2,000.00 owed; a payment before servicing
  applied it left 800.00 owed, so servicing declines it (`loan.arrangement.declined`) and collections records
  it declined: nothing waived, nothing recovered under it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.contracts import arrangements as a
from tests.reporting.story import Story

D = date
M = Decimal


def _plan(*amounts: str, start: date) -> list[a.ArrangementInstalment]:
    return [a.ArrangementInstalment(number=n, due_date=D(start.year, start.month + n, 1), amount=M(x))
            for n, x in enumerate(amounts, 1)]


def _proposed(st: Story, case: str, aid: str, day: date, waive: str, plan: list, owed: str, kind: str) -> None:
    loan = "L" + case[1:]
    st.case(a.ArrangementProposed(case_id=case, loan_id=loan, arrangement_id=aid, kind=kind, instalments=plan,  # type: ignore[arg-type]
                                  waive=M(waive), owed=M(owed), proposed_by="qian", proposed_on=day,
                                  approver_role="collections_supervisor" if M(waive) else None), loan, day)


def _approved(st: Story, case: str, aid: str, day: date, waive: str, plan: list, owed: str, by: str) -> None:
    loan = "L" + case[1:]
    st.case(a.ArrangementApproved(case_id=case, loan_id=loan, arrangement_id=aid, kind="settlement", instalments=plan,
                                  waive=M(waive), owed=M(owed), proposed_by="qian", approved_by=by, approved_on=day,
                                  within_proposer_limit=by == "qian"), loan, day)
    st.emit("servicing", a.LoanArrangementApplied(
        loan_id=loan, arrangement_id=aid, case_id=case, owed_before=M(owed),
        waived=a.WaivedSplit(charges=M(waive), interest=M("0.00"), principal=M("0.00")), waived_total=M(waive),
        instalments=plan, first_installment_number=7, adjustment=M("0.00"), interest_suspended=M("0.00"),
        applied_on=day), subject=loan, day=day)


def arrangement_story(st: Story | None = None) -> Story:
    st = st or Story()
    plan31 = _plan("1500.00", "1950.00", start=D(2026, 3, 2))
    _proposed(st, "C31", "ARR-31", D(2026, 3, 2), "90.00", plan31, "3540.00", "settlement")
    _approved(st, "C31", "ARR-31", D(2026, 3, 2), "90.00", plan31, "3540.00", "chen")
    _proposed(st, "C32", "ARR-32A", D(2026, 3, 5), "900.00", _plan("1000.00", start=D(2026, 3, 5)), "1900.00",
              "settlement")
    st.case(a.ArrangementRejected(case_id="C32", loan_id="L32", arrangement_id="ARR-32A", rejected_by="chen",
                                  rejected_on=D(2026, 3, 6), reason="too much"), "L32", D(2026, 3, 6))
    plan32 = [a.ArrangementInstalment(number=1, due_date=D(2026, 4, 1), amount=M("500.00")),
              a.ArrangementInstalment(number=2, due_date=D(2026, 4, 8), amount=M("1350.00"))]
    _proposed(st, "C32", "ARR-32B", D(2026, 3, 7), "50.00", plan32, "1900.00", "instalment_plan")
    _approved(st, "C32", "ARR-32B", D(2026, 3, 7), "50.00", plan32, "1900.00", "qian")
    st.pay("L31", D(2026, 4, 1), [(None, "penalty_interest", M("360.00")), (7, "interest", M("90.00")),
                                  (7, "principal", M("1050.00"))], outstanding=M("1950.00"))
    st.pay("L32", D(2026, 4, 1), [(7, "principal", M("500.00"))], outstanding=M("1350.00"))
    st.case(a.ArrangementBroken(case_id="C32", loan_id="L32", arrangement_id="ARR-32B", instalment_number=2,
                                due_date=D(2026, 4, 8), broken_on=D(2026, 4, 9), waive=M("50.00")),
            "L32", D(2026, 4, 9))
    st.emit("servicing", a.LoanArrangementReverted(
        loan_id="L32", arrangement_id="ARR-32B", case_id="C32",
        restored=a.WaivedSplit(charges=M("50.00"), interest=M("0.00"), principal=M("0.00")),
        paid_under_arrangement=M("500.00"), reverted_on=D(2026, 4, 9), principal_outstanding=M("1350.00"),
        amount_overdue=M("1400.00"), days_past_due=60, overdue_since=D(2026, 2, 8)), subject="L32", day=D(2026, 4, 9))
    plan33 = _plan("1000.00", "1000.00", start=D(2026, 3, 10))
    _proposed(st, "C33", "ARR-33", D(2026, 3, 10), "0.00", plan33, "2000.00", "instalment_plan")
    st.case(a.ArrangementApproved(case_id="C33", loan_id="L33", arrangement_id="ARR-33", kind="instalment_plan",
                                  instalments=plan33, waive=M("0.00"), owed=M("2000.00"), proposed_by="qian",
                                  approved_by="qian", approved_on=D(2026, 3, 10), within_proposer_limit=True),
            "L33", D(2026, 3, 10))
    st.emit("servicing", a.LoanArrangementDeclined(
        loan_id="L33", arrangement_id="ARR-33", case_id="C33", reason="plan_no_longer_fits", owed_now=M("800.00"),
        planned=M("2000.00"), last_instalment=M("1000.00"), adjustment=M("-1200.00"), declined_on=D(2026, 3, 10)),
        subject="L33", day=D(2026, 3, 10))
    st.case(a.ArrangementDeclined(case_id="C33", loan_id="L33", arrangement_id="ARR-33", reason="plan_no_longer_fits",
                                  owed_now=M("800.00"), planned=M("2000.00"), declined_on=D(2026, 3, 10)),
            "L33", D(2026, 3, 10))
    st.pay("L31", D(2026, 5, 1), [(8, "principal", M("1950.00"))], outstanding=M("0.00"), status="paid_off")
    st.case(a.ArrangementCompleted(case_id="C31", loan_id="L31", arrangement_id="ARR-31", completed_on=D(2026, 5, 1),
                                   waive=M("90.00"), recovered=M("3450.00")), "L31", D(2026, 5, 1))
    return st
