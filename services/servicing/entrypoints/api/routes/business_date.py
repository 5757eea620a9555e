"""GET /v1/business-date; POST /v1/business-date/advance {to} (admin) runs day-close up to `to` as a job;
GET /v1/business-date/jobs/{job_id} (the job's progress); GET /v1/business-date/closes (closed days)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from services.servicing.adapters import advance_jobs as jobs_table
from services.servicing.adapters import dayclose_sql
from services.servicing.domain.dayclose import ADVANCE_YEARS, advance_limit
from services.servicing.entrypoints.api.deps import Admin, AdvanceJobsDep, AnyRole, ServicingDep
from services.servicing.entrypoints.api.schemas.business_date import (
    AdvanceCreate,
    AdvanceJobPublic,
    AdvancePublic,
    BusinessDatePublic,
    DayClosePage,
    DayClosePublic,
)
from services.servicing.service_layer.advance_jobs import AdvanceInProgress
from services.servicing.service_layer.handlers import business_date
from shared.errors import ConcurrencyConflict, Conflict, DomainError, NotFound, Unprocessable
from shared.service import KernelDep


class AdvanceFailed(DomainError):
    """A day-close of the job raised (a server fault, not bad input): the job is `failed`."""

    status, code = 500, "advance_failed"


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
async def advance_business_date(body: AdvanceCreate, kernel: KernelDep, svc: ServicingDep, jobs: AdvanceJobsDep,
                                who: Admin) -> Any:
    """Close every day after the business date up to `to`, in order, as a job (one at a time: 409 while
    another runs). 200 with the days closed when the job ends within
    LOANFLOW_SERVICING_ADVANCE_WAIT_SECONDS, else 202 with the job; at most ten years ahead (422)."""
    async with kernel.db.acquire() as conn:
        current = await business_date(conn)
    if body.to > advance_limit(current):
        raise Unprocessable(f"advance at most {ADVANCE_YEARS} years at a time (to {advance_limit(current)})",
                            code="advance_too_far")
    try:
        job = await jobs.start(body.to, who.sub)
    except AdvanceInProgress as exc:
        raise Conflict(str(exc), code="advance_in_progress",
                       details=[{"job_id": exc.job["job_id"], "to": str(exc.job["to_date"])}])
    if job is None:
        return AdvancePublic(business_date=current, days_closed=0, loans_processed=0, events=0, seconds=0, closed=[])
    try:
        closed = await jobs.wait(job["job_id"], svc.settings.advance_wait_seconds)
    except ConcurrencyConflict:
        raise  # 409 like any lost race
    except Exception as exc:  # the job is recorded failed, with the error
        raise AdvanceFailed(f"advance job {job['job_id']} failed: {type(exc).__name__}",
                            details=[{"job_id": job["job_id"]}]) from exc
    if closed is None:
        view = await _job_view(kernel, job["job_id"])
        return JSONResponse(view.model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/v1/business-date/jobs/{job['job_id']}"})
    async with kernel.db.acquire() as conn:
        day = await business_date(conn)
    return AdvancePublic(business_date=day, days_closed=len(closed),
                         loans_processed=sum(c["loans_processed"] for c in closed),
                         events=sum(c["events"] for c in closed), seconds=round(sum(c["seconds"] for c in closed), 3),
                         closed=[DayClosePublic(**c) for c in closed], job_id=job["job_id"])


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
            raise NotFound(f"advance job {job_id} not found", code="job_not_found")
        today = await business_date(conn)
        totals = await jobs_table.totals(conn, job["from_date"], job["to_date"])
    return AdvanceJobPublic.of(job, today, totals)
