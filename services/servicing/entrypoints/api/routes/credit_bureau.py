"""GET /v1/credit-bureau (the submission queue: pending, oldest age, last error) and one record's submission
(admin): what an operator watches when the bureau's directory or the identity lookup fails."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.servicing.adapters import bureau_submissions
from services.servicing.domain.errors import SubmissionNotFound
from services.servicing.entrypoints.api.deps import Admin, ServicingDep
from services.servicing.entrypoints.api.schemas.credit_bureau import BureauStatusPublic, SubmissionPublic
from services.servicing.service_layer.bureau_submitter import status
from shared.service import KernelDep

router = APIRouter(prefix="/credit-bureau", tags=["credit bureau"])


@router.get("", response_model=BureauStatusPublic)
async def bureau_status(request: Request, kernel: KernelDep, svc: ServicingDep, _: Admin) -> dict[str, Any]:
    """The credit-bureau submission queue now (also in /metrics as `credit_bureau_*`)."""
    submitter = request.app.state.bureau_submitter
    if submitter is not None:
        backlog = await submitter.refresh()
    else:
        async with kernel.db.acquire() as conn:
            backlog = await bureau_submissions.backlog(conn)
    problem = None if svc.bureau is None else svc.bureau.problem()
    return status(backlog, enabled=svc.bureau is not None, problem=problem)


@router.get("/submissions/{record_id}", response_model=SubmissionPublic)
async def submission(record_id: str, kernel: KernelDep, _: Admin) -> dict[str, Any]:
    """One credit record's submission: pending (attempts, last error, next attempt), sent, or not submittable."""
    async with kernel.db.acquire() as conn:
        found = await bureau_submissions.get(conn, record_id)
    if found is None:
        raise SubmissionNotFound(f"no credit record {record_id} queued for the bureau")
    return found
