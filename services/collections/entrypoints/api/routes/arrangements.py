"""Arrangements (issue 15): instalment plans and settlements (减免), their approval by a second person."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from services.collections.adapters import arrangements as arrangement_rows
from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Approver, ArrangementReader, Bus, Worker, page, reading
from services.collections.entrypoints.api.public import ArrangementPublic, ArrangementsPage
from services.collections.entrypoints.api.schemas import ArrangementCreate, ArrangementDecision, ArrangementReject
from shared.paging import parse_cursor
from shared.service import IdempotencyDep

router = APIRouter(tags=["arrangements"])


@router.post("/cases/{case_id}/arrangements", status_code=201, response_model=ArrangementPublic)
async def propose_arrangement(bus: Bus, who: Worker, case_id: str, body: ArrangementCreate,
                              key: IdempotencyDep) -> dict[str, Any]:
    """An instalment plan or a settlement: instalments `[{due_date, amount}]` (after the business date, in order,
    > 0.00) and an optional waiver `waive`; Σ instalments + waive must equal the case's `amount_owed` (422
    `arrangement_total_mismatch`). Approved at once when the waiver is within the proposer's limit, else
    `pending_approval` naming `approver_role`. One live arrangement per case (409 `arrangement_exists`).
    Optional Idempotency-Key."""
    return await bus.handle(c.ProposeArrangement(
        case_id, who.sub, who.roles, kind=body.kind, waive=body.waive, idempotency=key,
        instalments=tuple((i.due_date, i.amount) for i in body.instalments)))


@router.post("/arrangements/{arrangement_id}/approve", response_model=ArrangementPublic)
async def approve_arrangement(bus: Bus, who: Approver, arrangement_id: str,
                              body: ArrangementDecision | None = None) -> dict[str, Any]:
    """A supervisor (up to a share of the amount owed and an amount) or a credit manager (above) approves; nobody
    approves their own proposal (403 `own_proposal`); above the caller's limit 403 `approval_limit`; not
    pending 409 `arrangement_not_pending`. Servicing then honours it (waiver, new due dates)."""
    return await bus.handle(c.DecideArrangement(arrangement_id, who.sub, who.roles, approve=True,
                                                reason=body.reason if body else None))


@router.post("/arrangements/{arrangement_id}/reject", response_model=ArrangementPublic)
async def reject_arrangement(bus: Bus, who: Approver, arrangement_id: str, body: ArrangementReject) -> dict[str, Any]:
    """A supervisor or credit manager rejects a pending arrangement, with the reason."""
    return await bus.handle(c.DecideArrangement(arrangement_id, who.sub, who.roles, approve=False,
                                                reason=body.reason))


@router.get("/arrangements", response_model=ArrangementsPage)
async def list_arrangements(request: Request, _: ArrangementReader,
                            status: Literal["pending_approval", "approved", "rejected", "broken",
                                            "completed", "declined"] | None = None,
                            approver_role: Literal["collections_supervisor", "credit_manager"] | None = Query(
                                None, description="the role a pending arrangement waits for"),
                            case_id: str | None = None, limit: int = Query(50, ge=1, le=500),
                            cursor: str | None = None) -> dict[str, Any]:
    """Arrangements, oldest first (e.g. `?status=pending_approval`: the approvals waiting); paged."""
    offset = parse_cursor(cursor)
    async with reading(request) as conn:
        rows = await arrangement_rows.page(conn, status=status, approver_role=approver_role, case_id=case_id,
                                           offset=offset, limit=limit)
    return page(rows, offset, limit)
