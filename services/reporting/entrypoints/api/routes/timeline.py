"""GET /v1/loans/{loan_id}/timeline: every event about a loan, all services, causal order (paged; roles
reporting, admin, collector, collections_supervisor, legal; personal data masked)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.reporting.entrypoints.api.public import TimelinePage
from services.reporting.entrypoints.api.render import table_response, typed
from services.reporting.entrypoints.api.routes.reports import TIMELINE_READERS
from services.reporting.service_layer.personal import present
from services.reporting.service_layer.reports import loan_timeline
from shared.auth import require_roles
from shared.paging import parse_cursor
from shared.service import KernelDep

router = APIRouter(prefix="/loans", tags=["timeline"])
COLUMNS = ["businessdate", "time", "source", "type", "sequence", "actor", "caused_by.type", "caused_by.event_id",
           "event_id"]


@router.get("/{loan_id}/timeline", **typed(TimelinePage))
async def timeline(request: Request, loan_id: str, kernel: KernelDep,
                   _: Annotated[Any, Depends(require_roles(*TIMELINE_READERS))],
                   limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None,
                   format: Literal["json", "csv"] | None = None) -> Any:
    """The loan's events from origination, servicing and collections, each after its cause."""
    start = parse_cursor(cursor)
    async with kernel.db.acquire() as conn:
        items = await loan_timeline(conn, loan_id)
        page = await present(conn, request.app.state.ring, items[start:start + limit])
    following = start + limit if start + limit < len(items) else None
    return table_response(request, page, {"loan_id": loan_id, "next_cursor": str(following) if following else None},
                          format, COLUMNS, f"timeline-{loan_id}")
