"""Partner registry (admin): add, list (never the secrets), rotate a secret."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from services.servicing.adapters import partners
from services.servicing.entrypoints.api.deps import Admin
from shared.errors import NotFound
from shared.service import KernelDep

router = APIRouter(prefix="/partners", tags=["partners"])


class PartnerCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)


@router.post("", status_code=201)
async def add_partner(body: PartnerCreate, kernel: KernelDep, _: Admin) -> dict[str, str]:
    """Register a partner; the answer holds its secret (shown only here and on rotation)."""
    async with kernel.db.acquire() as conn:
        return await partners.add(conn, body.name.strip())


@router.get("")
async def list_partners(kernel: KernelDep, _: Admin, limit: int = Query(50, ge=1, le=500),
                        cursor: str | None = None) -> dict[str, Any]:
    """Registered partners, by id; secrets are never listed."""
    async with kernel.db.acquire() as conn:
        rows = await partners.listing(conn, limit, cursor)
    return {"items": rows, "next_cursor": rows[-1]["partner_id"] if len(rows) == limit else None}


@router.post("/{partner_id}/rotate")
async def rotate_secret(partner_id: str, kernel: KernelDep, _: Admin) -> dict[str, str]:
    """Issue a new secret; the old one stops working at once."""
    async with kernel.db.acquire() as conn:
        secret = await partners.rotate(conn, partner_id)
    if secret is None:
        raise NotFound(f"partner {partner_id} not found", code="partner_not_found")
    return {"partner_id": partner_id, "secret": secret}
