"""The loan book as known at the end of a business day, and the measures every report shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
RATIO = Decimal("0.0001")
ACTIVE = ("current", "overdue")
BUCKETS = ("current", "1-30", "31-60", "61-90", "91-180", "180+")
STAGES = ("front", "mid", "back", "none")


@dataclass(frozen=True)
class LoanAsOf:
    """One loan as known at the end of a business day."""

    loan_id: str
    product: str
    principal: Decimal
    disbursement_date: date
    borrower_key: str
    borrower_label: str
    region: str | None
    status: str
    outstanding: Decimal
    days_past_due: int
    stage: str = "none"
    closed_on: date | None = None  # business date it was paid off or written off (the first such event)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def bucket(self) -> str:
        return dpd_bucket(self.days_past_due)


def days_past_due(status: str, anchor: date | None, as_of: date) -> int:
    """DPD at `as_of`: days since the anchor while the loan is overdue, else 0.

    DOMAIN.md §2: "days past due (DPD) count from the first unpaid due date".
    """
    if status != "overdue" or anchor is None:
        return 0
    return max(0, (as_of - anchor).days)


def dpd_bucket(dpd: int) -> str:
    """The DPD bucket of a loan: current, 1-30, 31-60, 61-90, 91-180, 180+ (181 days and more)."""
    if dpd <= 0:
        return "current"
    if dpd <= 30:
        return "1-30"
    if dpd <= 60:
        return "31-60"
    if dpd <= 90:
        return "61-90"
    if dpd <= 180:
        return "91-180"
    return "180+"


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator to four decimals, half-up; None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO, rounding=ROUND_HALF_UP)


def previous_month_end(day: date) -> date:
    """The last day of the month before `day`'s month."""
    return day.replace(day=1) - timedelta(days=1)


def outstanding(loans: list[LoanAsOf]) -> Decimal:
    """Outstanding principal of the active loans."""
    return sum((loan.outstanding for loan in loans if loan.active), ZERO)


def npl(loans: list[LoanAsOf], threshold: int) -> tuple[Decimal, Decimal | None]:
    """(non-performing balance, NPL ratio): active loans more than `threshold` days past due.

    DOMAIN.md §4: "Non-performing balance and NPL ratio (one report: 3,463,100 of
    83,720,000, 4.14%)" — the balance of loans past the threshold over the outstanding book.
    """
    balance = sum((loan.outstanding for loan in loans if loan.active and loan.days_past_due > threshold), ZERO)
    return balance, ratio(balance, outstanding(loans))
