"""FastAPI dependencies of the servicing API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.servicing.adapters import partners
from services.servicing.service_layer.advance_jobs import AdvanceJobs
from services.servicing.service_layer.deps import Deps
from services.servicing.service_layer.handlers import Servicing
from shared.auth import Principal, current_principal, partner_auth, require_roles
from shared.messagebus import CommandBus


def get_servicing(request: Request) -> Servicing:
    return request.app.state.servicing  # type: ignore[no-any-return]


def get_advance_jobs(request: Request) -> AdvanceJobs:
    return request.app.state.advance_jobs  # type: ignore[no-any-return]


def get_bus(request: Request) -> CommandBus[Deps]:
    return request.app.state.bus  # type: ignore[no-any-return]


async def lookup_partner_secrets(request: Request, partner_id: str) -> list[str]:
    """The partner's current secret, and the previous one while a rotation's grace period runs."""
    async with request.app.state.kernel.db.acquire() as conn:
        return await partners.secrets_of(conn, partner_id, get_servicing(request).clock.now(),
                                         request.app.state.secret_box)


ServicingDep = Annotated[Servicing, Depends(get_servicing)]
AdvanceJobsDep = Annotated[AdvanceJobs, Depends(get_advance_jobs)]
Bus = Annotated[CommandBus[Deps], Depends(get_bus)]
AnyRole = Annotated[Principal, Depends(current_principal)]
# Loan figures carry the borrower's name: the roles that work loans (origination's three reviewers, collections,
# reporting, admin). `qa` scores recorded calls from its sample and `auditor` reads the access audit: neither
# needs the loan book. The business date is no one's personal data: any role.
LOAN_READERS = ("client_manager", "team_manager", "credit_manager", "collector", "collections_supervisor", "legal",
                "reporting", "admin")
LoanReader = Annotated[Principal, Depends(require_roles(*LOAN_READERS))]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
PartnerAuth = Depends(partner_auth(lookup_partner_secrets))
