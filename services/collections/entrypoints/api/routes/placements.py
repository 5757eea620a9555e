"""Agencies (issue 15): place a case with a collection agency (委外催收), recall it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import Field

from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, Supervisor
from services.collections.entrypoints.api.public import CASE, Public
from services.collections.entrypoints.api.schemas import Body
from shared.money import Rate
from shared.service import IdempotencyDep

router = APIRouter(tags=["agencies"])


class PlacementCreate(Body):
    agency: str = Field(min_length=1, max_length=100, description="the collection agency's name")
    fee_rate: Rate = Field(
        gt=Decimal(0),
        lt=Decimal(1),
        description='the agency\'s fee: a share of what it recovers, a decimal string in (0, 1), e.g. "0.25"',
    )
    recall_on: date = Field(
        description="the case comes back on the first day-close after this date; after the business date"
    )


class PlacementMadePublic(Public):
    placement_id: str


@router.post("/cases/{case_id}/placements", status_code=201, response_model=PlacementMadePublic)
async def place(bus: Bus, who: Supervisor, case_id: str, body: PlacementCreate, key: IdempotencyDep) -> dict[str, Any]:
    """Place the case with an agency until `recall_on` (moves it to the agency queue). While placed, every
    payment credits the agency with its fee and no collector with commission. A case already placed is
    409 `placement_active`; `recall_on` not after the business date is 422. Optional Idempotency-Key."""
    return await bus.handle(
        c.PlaceWithAgency(
            case_id,
            who.sub,
            who.roles,
            agency=body.agency,
            fee_rate=body.fee_rate,
            recall_on=body.recall_on,
            idempotency=key,
        )
    )


@router.post("/cases/{case_id}/placements/{placement_id}/recall", **CASE)
async def recall(bus: Bus, who: Supervisor, case_id: str, placement_id: str) -> dict[str, Any]:
    """Recall the case from the agency now (back to its stage queue); 409 `placement_not_active` when it was
    recalled already. Answers the case."""
    return await bus.handle(c.RecallPlacement(case_id, who.sub, who.roles, placement_id=placement_id))
