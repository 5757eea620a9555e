"""Events published by servicing on `loanflow.servicing` (key: loan id)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.registry import EventData, event
from shared.money import Money, Rate


class Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ScheduledInstallment(Part):
    number: int
    due_date: date
    principal: Money
    interest: Money


@event("loan.schedule.created")
class ScheduleCreated(EventData):
    loan_id: str
    installments: list[ScheduledInstallment]
    principal: Money
    repayment_method: str
    annual_rate: Rate | None = None
    term_months: int | None = None
    disbursement_date: date | None = None
    due_day: int | None = None
    total_interest: Money | None = None  # interest receivable over the whole schedule


@event("loan.payment.due")
class PaymentDue(EventData):
    loan_id: str
    installment_number: int
    due_date: date
    amount_due: Money


@event("loan.payment.missed")
class PaymentMissed(EventData):
    """An installment went unpaid past its due date; repeated as DPD crosses each boundary."""

    loan_id: str
    installment_number: int
    due_date: date
    amount_overdue: Money
    days_past_due: int
    overdue_since: date
    principal_outstanding: Money
    dpd_boundary: int | None = None
    # unpaid principal of the installments due before the business date (so the overdue interest is
    # amount_overdue − principal_overdue: what collections needs to know the amount owed for an arrangement)
    principal_overdue: Money | None = None


class AllocationLine(Part):
    installment_number: int | None = None
    kind: Literal["charge", "penalty_interest", "interest", "principal"]
    amount: Money


@event("loan.payment.received")
class PaymentReceived(EventData):
    loan_id: str
    payment_id: str
    partner_id: str
    external_ref: str
    amount: Money
    paid_at: datetime
    allocation: list[AllocationLine]
    principal_outstanding: Money
    days_past_due: int
    overdue_since: date | None = None
    status: Literal["current", "overdue", "paid_off", "written_off"]
    arrangement_id: str | None = None  # the loan was under this arrangement when paid (issue 15)


@event("loan.charge.applied")
class ChargeApplied(EventData):
    loan_id: str
    charge_id: str
    kind: Literal["penalty_interest", "failed_debit_fee", "other"]
    amount: Money
    reason: str
    installment_number: int | None = None
    caused_by: str | None = None


@event("loan.paid_off")
class LoanPaidOff(EventData):
    loan_id: str
    paid_off_on: date
    total_paid: Money
    interest_waived: Money | None = None  # scheduled interest of later periods not owed after early payoff


@event("loan.written_off")
class LoanWrittenOff(EventData):
    loan_id: str
    written_off_on: date
    principal: Money
    interest: Money
    charges: Money
    case_id: str | None = None
    decided_by: str | None = None


@event("servicing.day.closed")
class DayClosed(EventData):
    """Day-close finished: servicing's book rolled into `business_date` (key: "business-date").

    Payments due before `business_date` and unpaid are missed as of it; the day before it is
    closed. Every service takes `business_date` as its business date from then on.
    """

    business_date: date
    loans_processed: int = 0


@event("loan.credit_record.reported")
class CreditRecordReported(EventData):
    """A negative credit record sent to the credit bureau (DOMAIN.md §2: "Each broken promise adds a
    negative credit record"); `record_id` is derived from the causing event's id (one record per cause)."""

    loan_id: str
    record_id: str
    kind: Literal["broken_promise"]
    amount: Money  # what was promised and not paid
    promised_date: date
    reported_on: date
    case_id: str | None = None
    promise_id: str | None = None
    caused_by: str | None = None  # the collections.promise.broken event id


@event("loan.credit_record.corrected")
class CreditRecordCorrected(EventData):
    """A negative record corrected at the bureau because the debt was settled (the loan paid off)."""

    loan_id: str
    record_id: str  # the correction's own id
    corrects: str  # the reported record's id
    reason: Literal["paid_off"]
    settled_on: date
    corrected_on: date
