"""Legal proceedings on a case (issue 15): referral, filing, payment order or judgment, enforcement, closed;
a police report on the fraud path. Recorded by legal or a supervisor; the case shows them under `legal`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, Decider
from services.collections.entrypoints.api.public import CASE
from services.collections.entrypoints.api.schemas import LegalActionCreate
from shared.service import IdempotencyDep

router = APIRouter(tags=["legal"])


@router.post("/cases/{case_id}/legal-actions", status_code=201, **CASE)
async def record_legal_action(bus: Bus, who: Decider, case_id: str, body: LegalActionCreate,
                              key: IdempotencyDep) -> dict[str, Any]:
    """Record the next step of the proceedings, in order (409 `legal_out_of_order` naming what may come next;
    409 `time_barred`: a time-barred debt is never filed; 409 `police_report_not_fraud`); answers the case."""
    return await bus.handle(c.RecordLegalAction(
        case_id, who.sub, who.roles, kind=body.kind, on=body.on, reference=body.reference, court=body.court,
        cost=body.cost, amount=body.amount, outcome=body.outcome, route=body.route, note=body.note,
        idempotency=key))
