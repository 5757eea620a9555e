"""/v1/borrowers/{id}/erasure (admin), /v1/borrowers/{id}/identity and /v1/data-keys (services only): issue 16."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from services.origination.domain import commands
from services.origination.entrypoints.api.public import BorrowerErasedPublic, BorrowerIdentityPublic, DataKeysPublic
from services.origination.entrypoints.api.routes.applications import Bus
from services.origination.service_layer.erasure import sealed_keys
from shared.auth import SERVICE_ROLE, Principal, require_roles

router = APIRouter(prefix="/borrowers", tags=["erasure"])
data_keys_router = APIRouter(prefix="/data-keys", tags=["erasure"])

Admin = Annotated[Principal, Depends(require_roles("admin"))]
# the keys open every borrower's sealed fields: only the services holding copies fetch them, no person (admin
# included: no one needs them by hand, and an admin's token would then carry every borrower's data)
KeyReader = Annotated[Principal, Depends(require_roles(SERVICE_ROLE))]
Service = Annotated[Principal, Depends(require_roles(SERVICE_ROLE))]


@router.post("/{borrower_id}/erasure", response_model=BorrowerErasedPublic)
async def erase_borrower(borrower_id: str, by: Admin, bus: Bus) -> dict[str, Any]:
    """Erase a borrower's personal data by destroying their data key: every event stays as it was, every
    personal field sealed with the key reads "erased". 409 `application_open`, `debt_open` (a loan not paid
    off: open, written off or in legal) or `retention_period` (configurable days after the last debt
    closed, counted on the business date); 404 for an unknown borrower. Erasing again answers the same."""
    return await bus.handle(commands.EraseBorrower(borrower_id, by.sub))


@router.get("/{borrower_id}/identity", response_model=BorrowerIdentityPublic)
async def borrower_identity(
        borrower_id: str, by: Service, bus: Bus,
        purpose: Annotated[Literal["credit_bureau"], Query(description="what the identity is for")],
        record: Annotated[str, Query(description="the id of the record it is for (e.g. the credit-bureau record)",
                                     max_length=200)],
        loan_id: Annotated[str | None, Query(description="the loan the record is about (default: the "
                                                         "borrower's latest disbursed application)")] = None,
) -> dict[str, Any]:
    """The borrower's full ID number and name, which only origination holds, for another service (role
    `service` only) and a stated purpose; recorded in the access audit (who: the service, subject: the
    borrower, reason: `credit_bureau:<record>`). 404 `borrower_not_found` / `loan_not_found`, 410 `erased`."""
    return await bus.handle(commands.RevealIdentity(borrower_id, by.sub, by.roles, purpose, record, loan_id))


@data_keys_router.get("", response_model=DataKeysPublic)
async def data_keys(_: KeyReader, bus: Bus,
                    ids: Annotated[list[str], Query(alias="id", max_length=500)]) -> dict[str, Any]:
    """Borrowers' data keys, sealed with LOANFLOW_SECRETS_KEY, for the services that keep copies (role
    `service` only: the services' own tokens); an erased key answers `sealed: null, erased: true`."""
    return await sealed_keys(bus.deps, ids)
