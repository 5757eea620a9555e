"""GET /v1/business-date; POST /v1/business-date/advance {to} (admin) runs day-close up to `to`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from services.servicing.adapters import dayclose_sql
from services.servicing.entrypoints.api.deps import Admin, AnyRole, ServicingDep
from services.servicing.service_layer.dayclose import advance
from services.servicing.service_layer.handlers import business_date
from shared.errors import Unprocessable
from shared.service import KernelDep

router = APIRouter(prefix="/business-date", tags=["business date"])
MAX_DAYS_PER_ADVANCE = 3660


class Advance(BaseModel):
    to: date


@router.get("")
async def get_business_date(kernel: KernelDep, _: AnyRole) -> dict[str, Any]:
    """The current business date and the last day closed."""
    async with kernel.db.acquire() as conn:
        day = await business_date(conn)
        last = await dayclose_sql.last_closed(conn)
    return {"business_date": day.isoformat(), "last_closed": last.isoformat() if last else None}


@router.post("/advance")
async def advance_business_date(body: Advance, kernel: KernelDep, svc: ServicingDep, _: Admin) -> dict[str, Any]:
    """Close every day after the business date up to `to`, in order; days already closed change nothing."""
    async with kernel.db.acquire() as conn:
        current = await business_date(conn)
    if body.to - current > timedelta(days=MAX_DAYS_PER_ADVANCE):
        raise Unprocessable(f"advance at most {MAX_DAYS_PER_ADVANCE} days at a time", code="advance_too_far")
    closed = await advance(kernel.db, svc, body.to)
    async with kernel.db.acquire() as conn:
        day = await business_date(conn)
    return {"business_date": day.isoformat(), "days_closed": len(closed),
            "loans_processed": sum(c["loans_processed"] for c in closed),
            "events": sum(c["events"] for c in closed), "seconds": round(sum(c["seconds"] for c in closed), 3),
            "closed": closed}
