"""/v1/borrowers/{id}/erasure (admin) and /v1/data-keys (the other services' copies of the keys): issue 16."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.origination.domain import commands
from services.origination.entrypoints.api.public import BorrowerErasedPublic, DataKeysPublic
from services.origination.entrypoints.api.routes.applications import Bus
from services.origination.service_layer.erasure import sealed_keys
from shared.auth import SERVICE_ROLE, Principal, require_roles

router = APIRouter(prefix="/borrowers", tags=["erasure"])
data_keys_router = APIRouter(prefix="/data-keys", tags=["erasure"])

Admin = Annotated[Principal, Depends(require_roles("admin"))]
# the keys open every borrower's sealed fields: only the services holding copies fetch them, no person (admin
# included: no one needs them by hand, and an admin's token would then carry every borrower's data)
KeyReader = Annotated[Principal, Depends(require_roles(SERVICE_ROLE))]


@router.post("/{borrower_id}/erasure", response_model=BorrowerErasedPublic)
async def erase_borrower(borrower_id: str, by: Admin, bus: Bus) -> dict[str, Any]:
    """Erase a borrower's personal data by destroying their data key: every event stays as it was, every
    personal field sealed with the key reads "erased". 409 `application_open`, `debt_open` (a loan not paid
    off: open, written off or in legal) or `retention_period` (configurable days after the last debt
    closed, counted on the business date); 404 for an unknown borrower. Erasing again answers the same."""
    return await bus.handle(commands.EraseBorrower(borrower_id, by.sub))


@data_keys_router.get("", response_model=DataKeysPublic)
async def data_keys(_: KeyReader, bus: Bus,
                    ids: Annotated[list[str], Query(alias="id", max_length=500)]) -> dict[str, Any]:
    """Borrowers' data keys, sealed with LOANFLOW_SECRETS_KEY, for the services that keep copies (role
    `service` only: the services' own tokens); an erased key answers `sealed: null, erased: true`."""
    return await sealed_keys(bus.deps, ids)
