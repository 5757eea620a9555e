"""Partner repayments: allocate by the waterfall, append, answer with the allocation."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg

from services.servicing.adapters import partners
from services.servicing.domain.channels import check_may_pay
from services.servicing.domain.commands import RecordRepayment
from services.servicing.domain.errors import LoanNotFound
from services.servicing.domain.loan import Loan
from services.servicing.service_layer.handlers import Servicing, change_loan
from shared.contracts.registry import EventData
from shared.contracts.servicing import PaymentReceived
from shared.money import money_str


async def record_repayment(conn: asyncpg.Connection, svc: Servicing, req: RecordRepayment) -> dict[str, Any]:
    """Record one repayment on a loan; 404 unknown loan, 403 outside the partner's channel, 409 paid off,
    422 overpayment."""
    payment_id = f"pay_{uuid.uuid4().hex}"
    channel, product = await partners.channel_and_product(conn, req.partner_id, req.loan_id)
    if product is not None:  # an unknown loan is 404 below
        check_may_pay(req.partner_id, channel, req.loan_id, product, svc.settings.partner_channels)

    def decide(loan: Loan, on: date) -> list[EventData]:
        if not loan.exists:
            raise LoanNotFound(f"loan {req.loan_id} not found")
        return loan.receive_payment(payment_id=payment_id, partner_id=req.partner_id, external_ref=req.external_ref,
                                    amount=req.amount, paid_at=req.paid_at, on=on, order=svc.settings.waterfall)

    _, stored = await change_loan(conn, svc, req.loan_id, decide)
    received = next(e for e in stored if e.type == PaymentReceived.event_type)
    data = received.data
    return {
        "payment_id": payment_id, "loan_id": req.loan_id, "amount": money_str(req.amount),
        "allocation": data["allocation"], "principal_outstanding": data["principal_outstanding"],
        "days_past_due": data["days_past_due"], "status": data["status"],
        "business_date": received.businessdate.isoformat(), "event_id": received.id,
    }
