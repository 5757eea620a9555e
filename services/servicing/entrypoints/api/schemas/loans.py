"""Bodies of /v1/loans: a loan with what is overdue, its schedule, the paged list."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from shared.money import Money, Rate

LoanStatus = Literal["current", "overdue", "paid_off", "written_off"]
# arranged: laid onto an arrangement's instalments (issue 15); cancelled: an arrangement's, after it broke
InstallmentStatus = Literal["paid", "overdue", "partially_paid", "due", "upcoming", "arranged", "cancelled"]


class OverduePublic(BaseModel):
    """Amounts overdue by kind on the business date (charges and 罚息 are those not yet paid)."""

    principal: Money
    interest: Money
    penalty_interest: Money
    charges: Money
    total: Money


class InstallmentPublic(BaseModel):
    number: int
    due_date: date
    principal: Money
    interest: Money
    total: Money
    paid: Money
    interest_waived: Money
    status: InstallmentStatus


class LoanPublic(BaseModel):
    """A loan on the business date: outstanding principal, what is overdue by kind, DPD, status."""

    loan_id: str
    status: LoanStatus
    business_date: date
    principal: Money
    principal_outstanding: Money
    overdue: OverduePublic
    days_past_due: int
    overdue_since: date | None
    payoff_amount: Money = Field(description="everything that settles the loan today")
    total_paid: Money
    next_installment: InstallmentPublic | None
    repayment_method: str
    version: int = Field(description="the loan's stream version")
    annual_rate: Rate | None
    term_months: int | None
    disbursement_date: date | None
    due_day: int | None
    closed_on: date | None


class SchedulePublic(BaseModel):
    loan_id: str
    repayment_method: str
    business_date: date
    installments: list[InstallmentPublic]


class LoanSummaryPublic(BaseModel):
    """A loan in the list (from the read model: status as of the last day-close or change)."""

    loan_id: str
    status: LoanStatus
    principal: Money
    principal_outstanding: Money
    overdue_since: date | None
    repayment_method: str
    disbursement_date: date
    total_paid: Money


class LoanPage(BaseModel):
    items: list[LoanSummaryPublic]
    next_cursor: str | None
