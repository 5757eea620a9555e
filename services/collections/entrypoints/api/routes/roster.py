"""The roster (who works which queue) and bulk reassignment: supervisors only."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, CtxDep, Supervisor, reading
from services.collections.service_layer.roster import roster_view
from shared.errors import Unprocessable

router = APIRouter(tags=["roster"])


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RosterMemberPublic(_Model):
    """A collector on a queue: `stage` for the stage queues (front, mid, back), none for the special desks."""

    collector: str
    queue: str
    stage: Literal["front", "mid", "back"] | None
    active: bool
    open_cases: int  # open cases of this queue held by the collector
    open_cases_total: int  # in every queue


class RosterPublic(_Model):
    version: int  # the roster stream's version: pass it back on a move to be refused if someone moved meanwhile
    queues: list[str]
    cases_rule: Literal["stay", "rebalance"]  # the configured rule for a leaver's cases
    items: list[RosterMemberPublic]


class RebalancedPublic(_Model):
    case_id: str
    collector: str
    status: Literal["assigned", "stayed"]
    reason: str | None


class RosterMovePublic(RosterPublic):
    changed: bool  # false: the collector was already there in that state (nothing recorded)
    rebalanced: list[RebalancedPublic]


class MoveBody(_Model):
    queue: str = Field(min_length=1, max_length=50)
    active: bool = True
    cases: Literal["stay", "rebalance"] | None = Field(
        None,
        description="the collector's open cases of a queue they leave: stay with them or rebalance "
        "to the queue's other active collectors (default: LOANFLOW_COLLECTIONS_ROSTER_CASES)",
    )
    reason: str | None = Field(None, max_length=500)
    version: int | None = Field(None, ge=0, description="the roster version you saw (409 roster_changed if not)")


class BulkAssignBody(_Model):
    case_ids: list[str] = Field(min_length=1, max_length=500)
    collector: str = Field(min_length=1, max_length=100)
    queue: str | None = None
    reason: str | None = Field(None, max_length=500)


class AssignResultPublic(_Model):
    case_id: str
    status: Literal["assigned", "unchanged", "refused"]
    rule: str | None  # a refusal's rule (segregation_of_duties, case_closed, not_found, collector_inactive, ...)
    message: str | None


class BulkAssignPublic(_Model):
    collector: str
    assigned: int
    unchanged: int
    refused: int
    results: list[AssignResultPublic]


@router.get("/roster", response_model=RosterPublic)
async def get_roster(request: Request, ctx: CtxDep, _: Supervisor) -> dict[str, Any]:
    """Every collector on every queue: stage, active, open cases."""
    async with reading(request) as conn:
        return await roster_view(ctx, conn)


@router.put("/roster/{collector}", response_model=RosterMovePublic)
async def move_collector(bus: Bus, who: Supervisor, collector: str, body: MoveBody) -> dict[str, Any]:
    """Move a collector to a queue (stage) and/or make them (in)active; their cases follow `cases`."""
    return await bus.handle(
        c.MoveCollector(
            collector,
            who.sub,
            queue=body.queue,
            active=body.active,
            cases=body.cases,
            reason=body.reason,
            version=body.version,
        )
    )


@router.post("/cases/assign", response_model=BulkAssignPublic)
async def assign_cases(bus: Bus, who: Supervisor, body: BulkAssignBody) -> dict[str, Any]:
    """Give several cases to one collector, each under the single reassignment's rules; per-case results
    (a refused case does not hold back the others)."""
    if len(set(body.case_ids)) != len(body.case_ids):
        raise Unprocessable("case_ids must not repeat", code="duplicate_case_ids")
    return await bus.handle(
        c.AssignCases(
            tuple(body.case_ids), who.sub, who.roles, collector=body.collector, queue=body.queue, reason=body.reason
        )
    )
