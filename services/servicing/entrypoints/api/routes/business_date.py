"""GET /v1/business-date; POST /v1/business-date/advance {to} (admin) runs day-close up to `to` as a job;
GET /v1/business-date/jobs/{job_id} (the job's progress); GET /v1/business-date/closes (closed days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.servicing.adapters import advance_jobs as jobs_table
from services.servicing.adapters import dayclose_sql
from services.servicing.domain.commands import AdvanceBusinessDate
from services.servicing.domain.errors import JobNotFound
from services.servicing.entrypoints.api.deps import Admin, AnyRole, Bus
from services.servicing.entrypoints.api.schemas.business_date import (
    AdvanceCreate,
    AdvanceJobPublic,
    AdvancePublic,
    BusinessDatePublic,
    DayClosePage,
    DayClosePublic,
)
from services.servicing.service_layer.handlers import business_date
from shared.service import KernelDep

router = APIRouter(prefix="/business-date", tags=["business date"])
JOB_202 = {202: {"model": AdvanceJobPublic, "description": "still running: the job to follow at "
                 "`GET /v1/business-date/jobs/{job_id}` (also in the Location header)"}}


@router.get("", response_model=BusinessDatePublic)
async def get_business_date(kernel: KernelDep, _: AnyRole) -> BusinessDatePublic:
    """The current business date, the last day closed and the advance job running, if any."""
    async with kernel.db.acquire() as conn:
        day = await business_date(conn)
        last = await dayclose_sql.last_closed(conn)
        running = await jobs_table.running(conn)
    return BusinessDatePublic(business_date=day, last_closed=last, running_job=running and running["job_id"])


@router.post("/advance", response_model=AdvancePublic, responses=JOB_202)
async def advance_business_date(body: AdvanceCreate, kernel: KernelDep, bus: Bus, who: Admin) -> Any:
    """Close every day after the business date up to `to`, in order, as a job (one at a time: 409 while
    another runs). 200 with the days closed when the job ends within
    LOANFLOW_SERVICING_ADVANCE_WAIT_SECONDS, else 202 with the job; at most ten years ahead (422)."""
    advanced = await bus.handle(AdvanceBusinessDate(body.to, who.sub))
    if advanced.closed is None:
        assert advanced.job_id is not None
        view = await _job_view(kernel, advanced.job_id)
        return JSONResponse(view.model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/v1/business-date/jobs/{advanced.job_id}"})
    closed = advanced.closed
    return AdvancePublic(business_date=advanced.business_date, days_closed=len(closed),
                         loans_processed=sum(c["loans_processed"] for c in closed),
                         events=sum(c["events"] for c in closed), seconds=round(sum(c["seconds"] for c in closed), 3),
                         closed=[DayClosePublic(**c) for c in closed], job_id=advanced.job_id)


@router.get("/jobs/{job_id}", response_model=AdvanceJobPublic)
async def get_advance_job(job_id: str, kernel: KernelDep, _: AnyRole) -> AdvanceJobPublic:
    """An advance job: `running` (with `days_done` of `days_total`), `done`, or `failed` (with `error`)."""
    return await _job_view(kernel, job_id)


@router.get("/closes", response_model=DayClosePage)
async def list_closes(kernel: KernelDep, _: AnyRole, from_: date | None = Query(None, alias="from"),
                      to: date | None = None, limit: int = Query(50, ge=1, le=500),
                      cursor: date | None = None) -> DayClosePage:
    """The closed business dates in order (optionally from .. to): loans processed, events, seconds."""
    async with kernel.db.acquire() as conn:
        rows = await jobs_table.closes(conn, from_, to, cursor, limit)
    return DayClosePage(items=[DayClosePublic(**r) for r in rows],
                        next_cursor=rows[-1]["business_date"].isoformat() if len(rows) == limit else None)


async def _job_view(kernel: Any, job_id: str) -> AdvanceJobPublic:
    async with kernel.db.acquire() as conn:
        job = await jobs_table.get(conn, job_id)
        if job is None:
            raise JobNotFound(f"advance job {job_id} not found")
        today = await business_date(conn)
        totals = await jobs_table.totals(conn, job["from_date"], job["to_date"])
    return AdvanceJobPublic.of(job, today, totals)
