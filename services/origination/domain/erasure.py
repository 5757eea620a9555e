"""When a borrower's personal data may be erased (issue 16): never while a debt is open or may be in
legal proceedings, and only once the retention period after the last debt closed has passed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.errors import Conflict

OPEN_APPLICATION = ("submitted", "under_review", "approved")


@dataclass(frozen=True)
class BorrowerRecord:
    """One application of the borrower: its status, its loan and the business date it closed on
    (the loan's `loan.paid_off`, or the rejection), None while it is not closed."""

    application_id: str
    status: str
    loan_id: str | None
    closed_on: date | None


class ErasureRefused(Conflict):
    code = "erasure_refused"


def erasure_refusal(records: list[BorrowerRecord], today: date, retention_days: int) -> ErasureRefused | None:
    """Why the borrower may not be erased on business date `today`, or None.

    A disbursed loan is closed only when paid off: a written-off debt is still owed (collections and
    legal proceedings go on), so it keeps the borrower's data.
    """
    for r in records:
        if r.status in OPEN_APPLICATION:
            return ErasureRefused(f"application {r.application_id} is still open ({r.status})",
                                  code="application_open", details=[{"application_id": r.application_id}])
        if r.closed_on is None:
            return ErasureRefused(f"loan {r.loan_id} is not paid off: the debt is open, written off or in legal "
                                  "proceedings", code="debt_open",
                                  details=[{"application_id": r.application_id, "loan_id": r.loan_id}])
    last = max((r.closed_on for r in records if r.closed_on is not None), default=None)
    if last is not None and today < (erasable := last + timedelta(days=retention_days)):
        return ErasureRefused(
            f"the retention period ({retention_days} days after {last.isoformat()}) has not passed",
            code="retention_period", details=[{"closed_on": last.isoformat(), "erasable_on": erasable.isoformat()}])
    return None
