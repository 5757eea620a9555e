"""GET /v1/reports/policy-arms (roles reporting, admin, collections_supervisor; JSON or CSV): champion vs challenger."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from services.reporting.entrypoints.api.arms_public import PolicyArmsPublic
from services.reporting.entrypoints.api.render import report_response, typed
from services.reporting.entrypoints.api.routes.reports import CollectionsReader, Format, as_of_or_latest
from services.reporting.service_layer import reports
from shared.service import KernelDep

router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/policy-arms", **typed(PolicyArmsPublic))
async def policy_arms(request: Request, kernel: KernelDep, _: CollectionsReader,
                      start: Annotated[date | None, Query(alias="from")] = None,
                      end: Annotated[date | None, Query(alias="to")] = None, format: Format = None) -> Any:
    """Per arm over the cases opened in the period: cure, roll and promise-kept rates with 95% Wilson
    intervals, recovered (total, per case), contacts per case; challenger − champion with Newcombe's interval."""
    async with kernel.db.acquire() as conn:
        last = await as_of_or_latest(kernel, conn, end)
        first = start if start is not None else last.replace(day=1)
        report = await reports.policy_arms(conn, first, last)
    return report_response(request, report, format, f"policy-arms-{first}-{last}")
