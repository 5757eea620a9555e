"""GET /v1/loans, /v1/loans/{id}, /v1/loans/{id}/schedule (the roles that work loans: deps.LOAN_READERS)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from services.servicing.entrypoints.api.deps import LoanReader, ServicingDep
from services.servicing.entrypoints.api.schemas.loans import LoanPage, LoanPublic, LoanStatus, SchedulePublic
from services.servicing.service_layer import views
from shared.service import KernelDep

router = APIRouter(prefix="/loans", tags=["loans"])


@router.get("", response_model=LoanPage)
async def list_loans(kernel: KernelDep, _: LoanReader, status: LoanStatus | None = None,
                     limit: int = Query(50, ge=1, le=500), cursor: str | None = None) -> dict[str, Any]:
    """Loans by id, optionally of one status."""
    async with kernel.db.acquire() as conn:
        return await views.loan_list(conn, status=status, limit=limit, cursor=cursor)


@router.get("/{loan_id}", response_model=LoanPublic)
async def get_loan(loan_id: str, kernel: KernelDep, svc: ServicingDep, _: LoanReader) -> dict[str, Any]:
    """Principal outstanding, amounts overdue by kind, days past due, status."""
    async with kernel.db.acquire() as conn:
        return await views.loan_view(conn, svc, loan_id)


@router.get("/{loan_id}/schedule", response_model=SchedulePublic)
async def get_schedule(loan_id: str, kernel: KernelDep, svc: ServicingDep, _: LoanReader) -> dict[str, Any]:
    """The installments with what was paid on each."""
    async with kernel.db.acquire() as conn:
        return await views.schedule_view(conn, svc, loan_id)
