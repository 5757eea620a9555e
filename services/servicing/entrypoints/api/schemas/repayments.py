"""Body of a recorded repayment (201, and its replays)."""

from __future__ import annotations

from datetime import date
from typing import Literal, NotRequired

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer
from typing_extensions import TypedDict

from services.servicing.entrypoints.api.schemas.loans import LoanStatus
from shared.money import Money

Kind = Literal["charge", "penalty_interest", "interest", "principal"]


class AllocationRendered(TypedDict):
    installment_number: NotRequired[int]
    kind: Kind
    amount: str


class AllocationPublic(BaseModel):
    """One line of the waterfall (as in `loan.payment.received`)."""

    installment_number: int | None = Field(None, description="absent for charges and penalty interest")
    kind: Kind
    amount: Money

    @model_serializer(mode="wrap")
    def _without_absent_number(self, handler: SerializerFunctionWrapHandler) -> AllocationRendered:
        rendered = handler(self)
        if rendered.get("installment_number") is None:
            rendered.pop("installment_number", None)
        return rendered  # type: ignore[no-any-return]


class RepaymentPublic(BaseModel):
    """The payment, how the waterfall allocated it, and the loan after it."""

    payment_id: str
    loan_id: str
    amount: Money
    allocation: list[AllocationPublic]
    principal_outstanding: Money
    days_past_due: int
    status: LoanStatus
    business_date: date
    event_id: str
