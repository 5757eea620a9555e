"""/v1/applications: intake, reviews, investigation, amendments, disbursement, reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request

from services.origination.entrypoints.api.schemas import (
    AmendmentCreate,
    ApplicationCreate,
    InvestigationCreate,
    ReviewCreate,
)
from services.origination.service_layer.handlers import Origination
from shared.auth import Principal, require_roles
from shared.contracts.origination import CreditReport
from shared.idempotency import request_hash

router = APIRouter(prefix="/applications", tags=["applications"])


def get_origination(request: Request) -> Origination:
    return request.app.state.origination  # type: ignore[no-any-return]


Service = Annotated[Origination, Depends(get_origination)]
ClientManager = Annotated[Principal, Depends(require_roles("client_manager"))]
Reviewer = Annotated[Principal, Depends(require_roles("client_manager", "team_manager", "credit_manager"))]
TeamManager = Annotated[Principal, Depends(require_roles("team_manager"))]
Disburser = Annotated[Principal, Depends(require_roles("credit_manager", "admin"))]
Reader = Annotated[Principal, Depends(require_roles("client_manager", "team_manager", "credit_manager", "admin",
                                                     "reporting"))]


@router.post("", status_code=201)
async def submit_application(body: ApplicationCreate, by: ClientManager, svc: Service, request: Request,
                             idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> dict[str, Any]:
    """File an application: 201 `submitted`, or `rejected` with reasons by the credit rules.

    An optional `Idempotency-Key` makes retries safe: the same key and body replay the first
    answer; the same key with another body is 409.
    """
    idem = (idempotency_key, request_hash(await request.body())) if idempotency_key else None
    return await svc.submit(body.draft(), by, idem)


Status = Literal["submitted", "under_review", "approved", "rejected", "disbursed"]


@router.get("")
async def list_applications(_: Reader, svc: Service, limit: int = Query(50, ge=1, le=500),
                            cursor: str | None = None, status: Status | None = None) -> dict[str, Any]:
    """Applications oldest first, paged by `limit` and `cursor`."""
    return await svc.page(limit=limit, cursor=cursor, status=status)


@router.get("/{application_id}")
async def get_application(application_id: str, _: Reader, svc: Service) -> dict[str, Any]:
    """State, reviews so far and the next required step, rebuilt from the application's events."""
    return await svc.view(application_id)


@router.post("/{application_id}/reviews", status_code=201)
async def review_application(application_id: str, body: ReviewCreate, by: Reviewer, svc: Service) -> dict[str, Any]:
    """One review at the next stage; the caller needs the stage's role and no earlier review."""
    await svc.review(application_id, by, body.stage, body.decision, body.note, body.verifications(),
                     body.false_information)
    return await svc.view(application_id)


@router.post("/{application_id}/investigation", status_code=201)
async def investigate_application(application_id: str, body: InvestigationCreate, by: TeamManager,
                                  svc: Service) -> dict[str, Any]:
    """The team manager's on-site credit investigation (required above the large-amount threshold)."""
    await svc.investigate(application_id, by, body.findings, body.decision, body.false_information)
    return await svc.view(application_id)


@router.post("/{application_id}/amendments", status_code=201)
async def amend_application(application_id: str, body: AmendmentCreate, by: ClientManager,
                            svc: Service) -> dict[str, Any]:
    """Changed applicant data or a newer credit report (reviews before it no longer cover the data)."""
    report = CreditReport(**body.credit_report.model_dump()) if body.credit_report else None
    await svc.amend(application_id, by, body.applicant.model() if body.applicant else None, report, body.reason)
    return await svc.view(application_id)


@router.post("/{application_id}/disbursement", status_code=201)
async def disburse_application(application_id: str, by: Disburser, svc: Service) -> dict[str, Any]:
    """Pre-disbursement re-check, then the loan: 201 {loan_id}; 409 with reasons when the re-check fails."""
    app = await svc.disburse(application_id, by)
    d = app.disbursement
    assert d is not None
    return {"loan_id": d.loan_id, "application_id": app.id, "disbursement_date": d.disbursement_date.isoformat(),
            "due_day": d.due_day, "principal": f"{d.principal:.2f}"}
