"""Credit rules applied at intake and again before disbursement."""

from __future__ import annotations

from services.origination.domain.errors import AuthorisationRequired
from shared.contracts.origination import CreditAuthorisation, CreditReport

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


def require_bureau_authorisation(authorisation: CreditAuthorisation | None) -> CreditAuthorisation:
    """DOMAIN.md §1: "Credit report is mandatory: supplied by the applicant, or queried with the
    applicant's authorisation" — no authorisation, no bureau query."""
    if authorisation is None:
        raise AuthorisationRequired(
            "the credit bureau is queried only with the applicant's authorisation: give credit_authorisation "
            "{signed_on, document_ref}, or the applicant's own credit_report",
            details=[{"field": "credit_authorisation", "type": "missing",
                      "message": "required when the application carries no credit_report"}])
    return authorisation
