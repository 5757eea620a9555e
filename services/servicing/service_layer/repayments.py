"""Partner repayments: allocate by the waterfall, append, answer with the allocation."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services.servicing.domain.errors import LoanClosed, LoanRefused
from services.servicing.domain.loan import Loan
from services.servicing.service_layer.handlers import Servicing, change_loan
from shared.contracts.registry import EventData
from shared.contracts.servicing import PaymentReceived
from shared.errors import Conflict, NotFound, Unprocessable
from shared.money import Money, money_str


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


async def record_repayment(conn: asyncpg.Connection, svc: Servicing, partner_id: str,
                           req: RepaymentCreate) -> dict[str, Any]:
    """Record one repayment on a loan; 404 unknown loan, 409 paid off, 422 overpayment."""
    payment_id = f"pay_{uuid.uuid4().hex}"

    def decide(loan: Loan, on: date) -> list[EventData]:
        if not loan.exists:
            raise NotFound(f"loan {req.loan_id} not found", code="loan_not_found")
        try:
            return loan.receive_payment(payment_id=payment_id, partner_id=partner_id,
                                        external_ref=req.external_ref, amount=req.amount, paid_at=req.paid_at,
                                        on=on, order=svc.settings.waterfall)
        except LoanClosed as exc:
            raise Conflict(exc.message, code=exc.code)
        except LoanRefused as exc:
            raise Unprocessable(exc.message, code=exc.code)

    _, stored = await change_loan(conn, svc, req.loan_id, decide)
    received = next(e for e in stored if e.type == PaymentReceived.event_type)
    data = received.data
    return {
        "payment_id": payment_id, "loan_id": req.loan_id, "amount": money_str(req.amount),
        "allocation": data["allocation"], "principal_outstanding": data["principal_outstanding"],
        "days_past_due": data["days_past_due"], "status": data["status"],
        "business_date": received.businessdate.isoformat(), "event_id": received.id,
    }
