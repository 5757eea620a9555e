"""Partner registry (admin): add, list (never the secrets), rotate a secret (with a grace period)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Query, Request

from services.servicing.adapters import partners
from services.servicing.entrypoints.api.deps import Admin, ServicingDep
from services.servicing.entrypoints.api.schemas.partners import (
    PartnerCreate,
    PartnerCreated,
    PartnerPage,
    PartnerRotate,
    PartnerRotated,
)
from shared.errors import NotFound
from shared.service import KernelDep

router = APIRouter(prefix="/partners", tags=["partners"])


@router.post("", status_code=201, response_model=PartnerCreated)
async def add_partner(body: PartnerCreate, request: Request, kernel: KernelDep, _: Admin) -> dict[str, str]:
    """Register a partner; the answer holds its secret (shown only here and on rotation)."""
    async with kernel.db.acquire() as conn:
        return await partners.add(conn, body.name.strip(), request.app.state.secret_box)


@router.get("", response_model=PartnerPage)
async def list_partners(kernel: KernelDep, _: Admin, limit: int = Query(50, ge=1, le=500),
                        cursor: str | None = None) -> dict[str, Any]:
    """Registered partners, by id; secrets are never listed."""
    async with kernel.db.acquire() as conn:
        rows = await partners.listing(conn, limit, cursor)
    return {"items": rows, "next_cursor": rows[-1]["partner_id"] if len(rows) == limit else None}


@router.post("/{partner_id}/rotate", response_model=PartnerRotated)
async def rotate_secret(partner_id: str, request: Request, kernel: KernelDep, servicing: ServicingDep, _: Admin,
                        body: PartnerRotate | None = None) -> dict[str, Any]:
    """Issue a new secret. The old one keeps working for `grace_hours` (default
    LOANFLOW_SERVICING_PARTNER_SECRET_GRACE_HOURS) so the partner can switch without failed
    payments; `grace_hours: 0` revokes it at once (a leaked secret)."""
    hours = body.grace_hours if body is not None and body.grace_hours is not None \
        else servicing.settings.partner_secret_grace_hours
    async with kernel.db.acquire() as conn:
        rotated = await partners.rotate(conn, partner_id, request.app.state.secret_box, now=servicing.clock.now(),
                                        grace=timedelta(hours=hours))
    if rotated is None:
        raise NotFound(f"partner {partner_id} not found", code="partner_not_found")
    secret, until = rotated
    return {"partner_id": partner_id, "secret": secret,
            "previous_secret_valid_until": until.isoformat() if until else None}
