"""Credit rules applied at intake and again before disbursement."""

from __future__ import annotations

from shared.contracts.origination import CreditReport

OVERDUE_LIMIT_MONTHS = 3


def overdue_reason(report: CreditReport) -> str | None:
    """DOMAIN.md §1: "Any overdue record of 3 months or more → the application is rejected"."""
    if report.max_overdue_months >= OVERDUE_LIMIT_MONTHS:
        dated = f" dated {report.report_date.isoformat()}" if report.report_date else ""
        return (f"credit report{dated} shows an overdue of {report.max_overdue_months} months "
                f"({OVERDUE_LIMIT_MONTHS} or more)")
    return None


def intake_rejection_reasons(report: CreditReport, blacklisted: bool) -> list[str]:
    """Why an application is rejected at intake (empty: it is accepted for review).

    DOMAIN.md §1: overdue of 3 months or more → rejected; "an applicant once rejected for
    false information is blacklisted for good".
    """
    reasons = []
    if blacklisted:
        reasons.append("applicant's ID number is on the blacklist (earlier rejection for false information)")
    if why := overdue_reason(report):
        reasons.append(why)
    return reasons


def report_change(reviewed: CreditReport, fresh: CreditReport) -> str | None:
    """How a fresh bureau report differs from the reviewed one in what the rules look at."""
    if fresh.max_overdue_months != reviewed.max_overdue_months:
        return (f"credit report changed since review: max overdue {reviewed.max_overdue_months} "
                f"→ {fresh.max_overdue_months} months")
    return None
