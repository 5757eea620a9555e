"""Read views of loans: the loan with its overdue amounts, its schedule, a paged list."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.servicing.adapters import loan_repository as repo
from services.servicing.domain.errors import LoanNotFound
from services.servicing.domain.loan import Installment, Loan
from services.servicing.service_layer.handlers import Servicing, business_date
from shared.money import ZERO, money_str


async def _loaded(conn: asyncpg.Connection, svc: Servicing, loan_id: str) -> tuple[Loan, date]:
    loan = await repo.load(conn, svc.store, loan_id)
    if not loan.exists:
        raise LoanNotFound(f"loan {loan_id} not found")
    return loan, await business_date(conn)


async def loan_view(conn: asyncpg.Connection, svc: Servicing, loan_id: str) -> dict[str, Any]:
    """Outstanding principal, amounts overdue by kind, days past due and status on the business date."""
    loan, on = await _loaded(conn, svc, loan_id)
    terms = await conn.fetchrow("SELECT * FROM loans WHERE loan_id = $1", loan_id)
    overdue = loan.overdue_by_kind(on)
    since = loan.overdue_since(on)
    upcoming = next((i for i in loan.installments if i.due_date >= on and not i.settled), None)
    return {
        "loan_id": loan_id, "status": loan.status(on), "business_date": on.isoformat(),
        "principal": money_str(loan.principal), "principal_outstanding": money_str(loan.principal_outstanding),
        "overdue": {k: money_str(v) for k, v in overdue.items()} | {"total": money_str(sum(overdue.values(), ZERO))},
        "days_past_due": loan.days_past_due(on), "overdue_since": since.isoformat() if since else None,
        "payoff_amount": money_str(ZERO if loan.closed == "paid_off" else loan.payoff_amount(on)),
        "total_paid": money_str(loan.total_paid),
        "next_installment": _installment(upcoming, on) if upcoming else None,
        "repayment_method": loan.repayment_method, "version": loan.version,
        "annual_rate": str(terms["annual_rate"].normalize()) if terms else None,
        "term_months": terms["term_months"] if terms else None,
        "disbursement_date": terms["disbursement_date"].isoformat() if terms else None,
        "due_day": terms["due_day"] if terms else None,
        "closed_on": loan.closed_on.isoformat() if loan.closed_on else None,
    }


async def schedule_view(conn: asyncpg.Connection, svc: Servicing, loan_id: str) -> dict[str, Any]:
    """Installments {number, due_date, principal, interest, total, paid, status}."""
    loan, on = await _loaded(conn, svc, loan_id)
    return {"loan_id": loan_id, "repayment_method": loan.repayment_method, "business_date": on.isoformat(),
            "installments": [_installment(i, on) for i in loan.installments]}


def _installment(inst: Installment, on: date) -> dict[str, Any]:
    if inst.settled and (inst.principal_moved or inst.interest_moved):  # issue 15
        status = "cancelled" if inst.plan else "arranged"  # an arrangement's, broken / laid onto an arrangement
    elif inst.settled:
        status = "paid"
    elif inst.due_date < on:
        status = "overdue"
    elif inst.principal_paid or inst.interest_paid:
        status = "partially_paid"
    else:
        status = "due" if inst.due_date == on else "upcoming"
    return {
        "number": inst.number, "due_date": inst.due_date.isoformat(), "principal": money_str(inst.principal),
        "interest": money_str(inst.interest), "total": money_str(inst.principal + inst.interest),
        "paid": money_str(inst.principal_paid + inst.interest_paid),
        "interest_waived": money_str(inst.interest_waived), "status": status,
    }


async def loan_list(conn: asyncpg.Connection, *, status: str | None, limit: int, cursor: str | None) -> dict[str, Any]:
    """Loans by id from the read model (status as of the last day-close or change)."""
    rows = await conn.fetch(
        """SELECT loan_id, status, principal, principal_outstanding, overdue_since, repayment_method,
                  disbursement_date, total_paid
           FROM loans WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR loan_id > $2)
           ORDER BY loan_id LIMIT $3""", status, cursor, limit)
    items = [{
        "loan_id": r["loan_id"], "status": r["status"], "principal": money_str(r["principal"]),
        "principal_outstanding": money_str(r["principal_outstanding"]),
        "overdue_since": r["overdue_since"].isoformat() if r["overdue_since"] else None,
        "repayment_method": r["repayment_method"], "disbursement_date": r["disbursement_date"].isoformat(),
        "total_paid": money_str(r["total_paid"]),
    } for r in rows]
    return {"items": items, "next_cursor": rows[-1]["loan_id"] if len(rows) == limit else None}
