"""Bodies of POST /v1/repayments: the partner's request and the recorded repayment (201, and its replays)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal, NotRequired

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)
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


class RepaymentCreate(BaseModel):
    """A partner's repayment request body."""

    model_config = ConfigDict(extra="ignore")  # partners may send more than we need

    loan_id: str = Field(min_length=1, max_length=100)
    amount: Money
    paid_at: AwareDatetime  # with its UTC offset: a bare local time names no instant
    external_ref: str = Field(min_length=1, max_length=200)

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise ValueError("the amount must be positive")
        return amount


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
