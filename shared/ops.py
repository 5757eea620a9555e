"""The operations routes every service serves, with their response models.

`/healthz` (alive), `/readyz` (database, broker, relay and consumers: 200 or 503),
`/v1/events` (the event store in global order, for replays) and `/metrics` (Prometheus text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from shared.auth import require_roles
from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import public_data
from shared.errors import ERROR_RESPONSES
from shared.paging import parse_cursor

if TYPE_CHECKING:
    from shared.service import ServiceKernel


class HealthPublic(BaseModel):
    status: Literal["ok"]
    service: str


class ReadinessPublic(BaseModel):
    ready: bool
    checks: dict[str, str]  # check name -> "ok", "starting" or "error: ..."


class ExportedEvent(BaseModel):
    position: int  # global order in this service's event store
    topic: str
    event: CloudEvent  # as published (masked fields masked)


class EventsPage(BaseModel):
    items: list[ExportedEvent]
    next_cursor: str | None  # `after` of the next page; null on the last


def ops_router(kernel: ServiceKernel) -> APIRouter:
    """The ops routes of one service process."""
    router = APIRouter(tags=["ops"])

    @router.get("/healthz", response_model=HealthPublic)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": kernel.name}

    @router.get("/readyz", response_model=ReadinessPublic,
                responses={503: {"model": ReadinessPublic, "description": "a check is not ok (named in checks)"}})
    async def readyz() -> JSONResponse:
        checks = await kernel.ready()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ok, "checks": checks}, status_code=200 if ok else 503)

    @router.get("/v1/events", response_model=EventsPage, response_model_exclude_unset=True,
                dependencies=[Depends(require_roles("admin", "reporting"))],
                responses={k: v for k, v in ERROR_RESPONSES.items() if k in (400, 401, 403, 422)})
    async def export_events(
        after: Annotated[str | None, Query(description="a position: `next_cursor` of the "
                                           "previous page (ASCII digits)")] = None,
        limit: int = Query(500, ge=1, le=5000),
    ) -> dict[str, Any]:
        """Export published events in global order (replay source when topic retention is short)."""
        position = parse_cursor(after)
        async with kernel.db.acquire() as conn:
            stored = await kernel.store.read_all(conn, position, limit)
        items = [
            {"position": s.position, "topic": kernel.topic,
             "event": s.event.model_copy(update={"data": public_data(s.event.type, s.event.data)})
             .model_dump(mode="json", exclude_none=True)}
            for s in stored
        ]
        return {"items": items, "next_cursor": str(stored[-1].position) if len(stored) == limit else None}

    @router.get("/metrics", response_class=PlainTextResponse,
                responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                                 "description": "Prometheus text exposition format"}})
    async def metrics() -> Response:
        await kernel.refresh_metrics()
        return Response(generate_latest(kernel.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router
