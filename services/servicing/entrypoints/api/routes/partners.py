"""Partner registry (admin): add, list (never the secrets), rotate a secret (with a grace period)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from services.servicing.adapters import partners
from services.servicing.domain.commands import AddPartner, Answer, RotatePartnerSecret
from services.servicing.domain.errors import PartnerNotFound
from services.servicing.entrypoints.api.deps import Admin, Bus, ServicingDep
from services.servicing.entrypoints.api.schemas.partners import (
    PartnerCreate,
    PartnerCreated,
    PartnerPage,
    PartnerRotate,
    PartnerRotated,
)
from shared.service import KernelDep

router = APIRouter(prefix="/partners", tags=["partners"])


@router.post("", status_code=201, response_model=PartnerCreated)
async def add_partner(body: PartnerCreate, bus: Bus, _: Admin) -> Answer:
    """Register a partner; the answer holds its secret (shown only here and on rotation)."""
    return await bus.handle(AddPartner(body.name.strip(), body.channel))


@router.get("", response_model=PartnerPage)
async def list_partners(kernel: KernelDep, _: Admin, limit: int = Query(50, ge=1, le=500),
                        cursor: str | None = None) -> dict[str, Any]:
    """Registered partners, by id; secrets are never listed."""
    async with kernel.db.acquire() as conn:
        rows = await partners.listing(conn, limit, cursor)
    return {"items": rows, "next_cursor": rows[-1]["partner_id"] if len(rows) == limit else None}


@router.post("/{partner_id}/rotate", response_model=PartnerRotated)
async def rotate_secret(partner_id: str, bus: Bus, servicing: ServicingDep, _: Admin,
                        body: PartnerRotate | None = None) -> Answer:
    """Issue a new secret. The old one keeps working for `grace_hours` (default
    LOANFLOW_SERVICING_PARTNER_SECRET_GRACE_HOURS) so the partner can switch without failed
    payments; `grace_hours: 0` revokes it at once (a leaked secret)."""
    hours = body.grace_hours if body is not None and body.grace_hours is not None \
        else servicing.settings.partner_secret_grace_hours
    rotated = await bus.handle(RotatePartnerSecret(partner_id, hours))
    if rotated is None:
        raise PartnerNotFound(f"partner {partner_id} not found")
    return rotated
