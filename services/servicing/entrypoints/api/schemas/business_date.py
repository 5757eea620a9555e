"""Bodies of /v1/business-date: the date, an advance (200 when done, 202 with its job), jobs, closed days."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class AdvanceCreate(BaseModel):
    to: date


class BusinessDatePublic(BaseModel):
    business_date: date
    last_closed: date | None
    running_job: str | None = Field(None, description="the advance job running now, if any")


class DayClosePublic(BaseModel):
    """One closed business date: loans with events that day, events written, seconds it took."""

    business_date: date
    loans_processed: int
    events: int
    seconds: float | None
    steps: dict[str, float] | None = Field(None, description="seconds per step (only in an advance's answer)")


class AdvancePublic(BaseModel):
    """200: the advance finished within the request (`closed`: each day closed, in order)."""

    business_date: date
    days_closed: int
    loans_processed: int
    events: int
    seconds: float
    closed: list[DayClosePublic]
    job_id: str | None = Field(None, description="the job that closed these days (none when nothing was to do)")


class AdvanceJobPublic(BaseModel):
    """A business-date advance running in the background (202 of the advance; GET .../jobs/{job_id})."""

    job_id: str
    status: Literal["running", "done", "failed"]
    days_done: int
    days_total: int
    first_day: date = Field(description="the first day the job closes")
    to: date
    business_date: date = Field(description="servicing's business date now")
    error: str | None = None
    resumed: int = Field(0, description="times a servicing process resumed it after a stop or crash")
    requested_by: str | None = None
    created_at: datetime
    finished_at: datetime | None = None
    loans_processed: int = Field(description="so far, over the days the job closed")
    events: int
    seconds: float

    @classmethod
    def of(cls, job: dict[str, Any], today: date, totals: dict[str, Any]) -> AdvanceJobPublic:
        return cls(job_id=job["job_id"], status=job["status"], days_done=job["days_done"],
                   days_total=job["days_total"], first_day=job["from_date"], to=job["to_date"], business_date=today,
                   error=job["error"], resumed=job["resumed"], requested_by=job["requested_by"],
                   created_at=job["created_at"], finished_at=job["finished_at"],
                   loans_processed=totals["loans_processed"], events=totals["events"],
                   seconds=round(totals["seconds"], 3))


class DayClosePage(BaseModel):
    items: list[DayClosePublic]
    next_cursor: str | None
