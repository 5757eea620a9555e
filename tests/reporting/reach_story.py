"""Issue 14's reach, as collections publishes it, for March 2026 (the report's period 1–31 March):

- C21 (qian, queue front, opened 1 Mar): visits met_borrower (job_loss, target 25 carried), address_invalid,
  met_family (illness); a call (job_loss) on 20 Mar; a complaint about qian (opened and resolved: one
  complaint); a complaint about fees (about no collector).
- C22 (sun, queue mid after assignment, opened 1 Feb): never contacted -> untouched at 31 Mar.
- C23 (opened 1 Feb, contacted 10 Feb, resolved 5 Mar): closed, not untouched.
- C24 (no collector, opened front 15 Feb, contacted 20 Feb): untouched (20 Feb <= 1 Mar).
- C25 (zhou, opened 1 Mar, escalated to mid 10 Mar): a v1-style visit (no target carried) on 15 Mar.
- Call quality: qian's recorded call of 20 Mar reviewed on 27 Mar with two findings (one coached and
  acknowledged on 30 Mar); zhou's visit reviewed on 25 Mar with none; a March sample drawn on 23 Mar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from shared.contracts import collections as c
from tests.reporting.story import Story

D = date


def _contact(st: Story, case: str, day: date, channel: str, outcome: str, collector: str, n: int,
             reason: str | None = None, target: int | None = None) -> None:
    loan = "L" + case[1:]
    st.case(c.ContactLogged(case_id=case, loan_id=loan, contact_id=f"K-{case}-{n}", channel=channel,  # type: ignore[arg-type]
                            outcome=outcome, collector=collector, reason=reason,  # type: ignore[arg-type]
                            contacted_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
                            valid_visit=(outcome in c.VALID_VISIT_OUTCOMES) if channel == "visit" else None,
                            visit_target=target), loan, day)


def _open(st: Story, case: str, day: date, stage: str = "front") -> None:
    loan = "L" + case[1:]
    st.case(c.CaseOpened(case_id=case, loan_id=loan, stage=stage, days_past_due=31,  # type: ignore[arg-type]
                         amount_overdue=Decimal("200.00"), opened_on=day), loan, day)


def _assign(st: Story, case: str, day: date, collector: str, queue: str) -> None:
    loan = "L" + case[1:]
    st.case(c.CaseAssigned(case_id=case, loan_id=loan, collector=collector, queue=queue, assigned_by="sup-ma"),
            loan, day)


def reach_story(st: Story | None = None) -> Story:
    st = st or Story()
    _open(st, "C22", D(2026, 2, 1))
    _assign(st, "C22", D(2026, 2, 1), "sun", "mid")
    _open(st, "C23", D(2026, 2, 1))
    _assign(st, "C23", D(2026, 2, 1), "sun", "front")
    _contact(st, "C23", D(2026, 2, 10), "phone", "promised", "sun", 1, reason="forgot")
    st.case(c.CaseResolved(case_id="C23", loan_id="L23", resolution="cured", resolved_on=D(2026, 3, 5),
                           stage="front"), "L23", D(2026, 3, 5))
    _open(st, "C24", D(2026, 2, 15))
    _contact(st, "C24", D(2026, 2, 20), "phone", "no_answer", "sup-ma", 1)
    _open(st, "C21", D(2026, 3, 1))
    _assign(st, "C21", D(2026, 3, 1), "qian", "front")
    _contact(st, "C21", D(2026, 3, 3), "visit", "met_borrower", "qian", 1, reason="job_loss", target=25)
    _contact(st, "C21", D(2026, 3, 5), "visit", "address_invalid", "qian", 2, target=25)
    _contact(st, "C21", D(2026, 3, 8), "visit", "met_family", "qian", 3, reason="illness", target=25)
    for complaint, category, about in (("CP1", "collector_conduct", "qian"), ("CP2", "fees", None)):
        st.case(c.ComplaintOpened(case_id="C21", loan_id="L21", complaint_id=complaint, category=category,  # type: ignore[arg-type]
                                  description="called 13812345678 too often", owner="sup-ma", opened_by="sup-ma",
                                  opened_on=D(2026, 3, 10), due_on=D(2026, 3, 17), collector=about,
                                  assignee="qian"), "L21", D(2026, 3, 10))
    st.case(c.ComplaintResolved(case_id="C21", loan_id="L21", complaint_id="CP1", category="collector_conduct",
                                resolution="apologised", resolved_by="sup-ma", resolved_on=D(2026, 3, 12),
                                due_on=D(2026, 3, 17), overdue=False, collector="qian"), "L21", D(2026, 3, 12))
    _contact(st, "C21", D(2026, 3, 20), "phone", "promised", "qian", 4, reason="job_loss")
    _open(st, "C25", D(2026, 3, 1))
    _assign(st, "C25", D(2026, 3, 1), "zhou", "front")
    st.case(c.CaseEscalated(case_id="C25", loan_id="L25", from_stage="front", to_stage="mid", reason="dpd"),
            "L25", D(2026, 3, 10))
    _contact(st, "C25", D(2026, 3, 15), "visit", "met_borrower", "zhou", 1)
    _call_quality(st)
    return st


def _call_quality(st: Story) -> None:
    st.emit("collections", c.QaSampleDrawn(week="2026-W12", seed="5eed", per_collector=5, drawn_by="qa-li",
                                           drawn_on=D(2026, 3, 23), population={"qian": ["K-C21-4"]},
                                           sample={"qian": ["K-C21-4"]}), subject="qa-2026-W12", day=D(2026, 3, 23),
            stream="qa-sample-2026-W12")
    findings = [c.QaFinding(finding_id="qr-K-C21-4-1", item="stated_amount_and_due_date", coaching_required=False),
                c.QaFinding(finding_id="qr-K-C21-4-2", item="no_threat_or_abuse", coaching_required=True)]
    for contact, case, collector, found, day in (("K-C21-4", "C21", "qian", findings, D(2026, 3, 27)),
                                                 ("K-C25-1", "C25", "zhou", [], D(2026, 3, 25))):
        loan = "L" + case[1:]
        scores = {i: "pass" for i in ("identified_self_and_company", "verified_right_party", "no_threat_or_abuse")}
        st.emit("collections", c.QaReviewed(review_id=f"qr-{contact}", contact_id=contact, case_id=case, loan_id=loan,
                                            collector=collector, reviewer="qa-li", week="2026-W12", reviewed_on=day,
                                            scores=scores | {f.item: "fail" for f in found},  # type: ignore[misc]
                                            findings=found), subject=loan, day=day, stream=f"qa-review-{contact}")
    st.emit("collections", c.QaCoachingAcknowledged(review_id="qr-K-C21-4", finding_id="qr-K-C21-4-2",
                                                    contact_id="K-C21-4", case_id="C21", loan_id="L21",
                                                    collector="qian", item="no_threat_or_abuse",
                                                    acknowledged_by="qian", acknowledged_on=D(2026, 3, 30)),
            subject="L21", day=D(2026, 3, 30), stream="qa-review-K-C21-4")
