"""/v1/applications: intake, reviews, investigation, amendments, disbursement, reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.origination.domain import commands
from services.origination.entrypoints.api.public import (
    ApplicationFiled,
    ApplicationPublic,
    ApplicationsPage,
    DisbursementPublic,
)
from services.origination.entrypoints.api.schemas import (
    AmendmentCreate,
    ApplicationCreate,
    InvestigationCreate,
    ReviewCreate,
)
from services.origination.service_layer import views
from services.origination.service_layer.deps import Deps
from shared.access_audit import RevealBody, RevealDep, revealed
from shared.auth import Principal, require_roles
from shared.contracts.origination import CreditReport
from shared.messagebus import CommandBus
from shared.service import IdempotencyDep

router = APIRouter(prefix="/applications", tags=["applications"])


def get_bus(request: Request) -> CommandBus[Deps]:
    return request.app.state.bus  # type: ignore[no-any-return]


Bus = Annotated[CommandBus[Deps], Depends(get_bus)]
ClientManager = Annotated[Principal, Depends(require_roles("client_manager"))]
Reviewer = Annotated[Principal, Depends(require_roles("client_manager", "team_manager", "credit_manager"))]
TeamManager = Annotated[Principal, Depends(require_roles("team_manager"))]
Disburser = Annotated[Principal, Depends(require_roles("credit_manager", "admin"))]
Reader = Annotated[Principal, Depends(require_roles("client_manager", "team_manager", "credit_manager", "admin",
                                                     "reporting"))]
# one application: an auditor opens the one an access record names, masked (as reporting and admin read it)
OneReader = Annotated[Principal, Depends(require_roles("client_manager", "team_manager", "credit_manager", "admin",
                                                        "reporting", "auditor"))]
State = {"response_model": ApplicationPublic, "response_model_exclude_unset": True}


@router.post("", status_code=201, response_model=ApplicationFiled, response_model_exclude_unset=True)
async def submit_application(body: ApplicationCreate, by: ClientManager, bus: Bus,
                             key: IdempotencyDep) -> dict[str, Any]:
    """File an application: 201 `submitted`, or `rejected` with reasons by the credit rules.

    An optional `Idempotency-Key` makes retries safe: the same key and body replay the first
    answer; the same key with another body is 409.
    """
    return await bus.handle(commands.SubmitApplication(body.draft(), by.sub, key))


Status = Literal["submitted", "under_review", "approved", "rejected", "disbursed"]


@router.get("", response_model=ApplicationsPage)
async def list_applications(_: Reader, bus: Bus, limit: int = Query(50, ge=1, le=500),
                            cursor: str | None = None, status: Status | None = None) -> dict[str, Any]:
    """Applications oldest first, paged by `limit` and `cursor`."""
    return await views.applications_page(bus.deps, limit=limit, cursor=cursor, status=status)


@router.get("/{application_id}", **State)
async def get_application(application_id: str, who: OneReader, bus: Bus, reveal: RevealDep) -> dict[str, Any]:
    """State, reviews so far and the next required step, rebuilt from the application's events.

    ID numbers, phones and addresses are masked; `?reveal=true&reason=...` shows them to a loan officer
    (403 `reveal_not_permitted` to others, 422 `reason_required` without a reason) and records who,
    when, which application and why in the access audit (`GET /v1/audit/access`). An auditor reads it masked
    (the application an access record names) and may not reveal it.
    """
    if reveal is not None:
        return await bus.handle(commands.RevealApplication(application_id, who.sub, who.roles, reveal.reason))
    return await views.application(bus.deps, application_id)


@router.post("/{application_id}/reveal", **State)
async def reveal_application(application_id: str, body: RevealBody, who: Reader, bus: Bus) -> dict[str, Any]:
    """The application unmasked, the reason in the body (`{"reason": ...}`): the same reveal as
    `GET /applications/{id}?reveal=true&reason=`, its reason in no URL or access log. Loan officers (403
    `reveal_not_permitted` to others, 422 `reason_required` without a reason); recorded in the access audit."""
    return await bus.handle(commands.RevealApplication(application_id, who.sub, who.roles, revealed(body).reason))


@router.post("/{application_id}/reviews", status_code=201, **State)
async def review_application(application_id: str, body: ReviewCreate, by: Reviewer, bus: Bus) -> dict[str, Any]:
    """One review at the next stage; the caller needs the stage's role and no earlier review."""
    return await bus.handle(commands.ReviewApplication(
        application_id, by.sub, by.roles, body.stage, body.decision, body.note, body.verifications(),
        body.false_information))


@router.post("/{application_id}/investigation", status_code=201, **State)
async def investigate_application(application_id: str, body: InvestigationCreate, by: TeamManager,
                                  bus: Bus) -> dict[str, Any]:
    """The team manager's on-site credit investigation (required above the large-amount threshold)."""
    return await bus.handle(commands.InvestigateApplication(
        application_id, by.sub, body.findings, body.decision, body.false_information))


@router.post("/{application_id}/amendments", status_code=201, **State)
async def amend_application(application_id: str, body: AmendmentCreate, by: ClientManager, bus: Bus) -> dict[str, Any]:
    """Changed applicant data or a newer credit report (reviews before it no longer cover the data)."""
    report = CreditReport(**body.credit_report.model_dump()) if body.credit_report else None
    return await bus.handle(commands.AmendApplication(
        application_id, by.sub, body.applicant.model() if body.applicant else None, report, body.reason))


@router.post("/{application_id}/disbursement", status_code=201, response_model=DisbursementPublic)
async def disburse_application(application_id: str, by: Disburser, bus: Bus) -> dict[str, Any]:
    """Pre-disbursement re-check, then the loan: 201 {loan_id}; 409 with reasons when the re-check fails."""
    return await bus.handle(commands.DisburseApplication(application_id, by.sub))
