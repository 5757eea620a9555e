"""Contact points (origination's and trace findings) and complaints, kept apart from the debt."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from services.collections.adapters import complaints as complaint_rows
from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, CtxDep, Decider, Worker, page, reading
from services.collections.entrypoints.api.public import ComplaintPublic, ComplaintsPage, ContactPointAnswer
from services.collections.entrypoints.api.schemas import (
    ComplaintCreate,
    ComplaintResolve,
    ContactPointCreate,
    ContactPointStatus,
)
from shared.auth import Principal, require_roles
from shared.paging import parse_cursor
from shared.service import IdempotencyDep

router = APIRouter(tags=["contact points and complaints"])


@router.post("/cases/{case_id}/contact-points", status_code=201, response_model=ContactPointAnswer)
async def add_contact_point(bus: Bus, who: Worker, case_id: str, body: ContactPointCreate,
                            key: IdempotencyDep) -> dict[str, Any]:
    """A trace finding: a phone, address or employer of the borrower, guarantor or a third party, and where
    it was found (`source`). Answers the point (`point_id`, value masked); the same kind and value twice is 409
    `contact_point_exists`. Optional Idempotency-Key."""
    return await bus.handle(c.AddContactPoint(case_id, who.sub, who.roles, kind=body.kind, value=body.value,
                                              relation=body.relation, source=body.source, idempotency=key))


@router.post("/cases/{case_id}/contact-points/{point_id}/status", response_model=ContactPointAnswer)
async def mark_contact_point(bus: Bus, who: Worker, case_id: str, point_id: str,
                             body: ContactPointStatus) -> dict[str, Any]:
    """Mark a contact point (origination's, e.g. `borrower-home`, or a finding) valid or invalid.

    A contact with outcome `wrong_number` marks the phone it used invalid; a visit finding
    `address_invalid` or `moved` marks the address; a visit to an address already invalid is
    recorded but flagged (`invalid_address` on the contact, `invalid_address_visits` on the case)."""
    return await bus.handle(c.MarkContactPoint(case_id, who.sub, who.roles, point_id=point_id, status=body.status,
                                               reason=body.reason))


@router.post("/cases/{case_id}/complaints", status_code=201, response_model=ComplaintPublic)
async def open_complaint(bus: Bus, who: Worker, case_id: str, body: ComplaintCreate,
                         key: IdempotencyDep) -> dict[str, Any]:
    """A complaint (sales, amount approved, fees, collector conduct, privacy, other), due after the configured
    days, owned by the case queue's supervisors or a named owner. It never pauses contact or promises: only a
    dispute of the debt itself (`/disputes`) does. For `collector_conduct` it names the case's collector."""
    return await bus.handle(c.OpenComplaint(case_id, who.sub, who.roles, category=body.category,
                                            description=body.description, owner=body.owner, idempotency=key))


@router.post("/complaints/{complaint_id}/resolve", response_model=ComplaintPublic)
async def resolve_complaint(bus: Bus, who: Decider, complaint_id: str, body: ComplaintResolve) -> dict[str, Any]:
    """A supervisor or legal answers the complaint (also after its case has closed); 409 `complaint_resolved`
    when already answered."""
    return await bus.handle(c.ResolveComplaint(complaint_id, who.sub, who.roles, resolution=body.resolution))


COMPLAINT_OVERSEERS = ("collections_supervisor", "legal", "auditor", "admin")  # list every complaint
ComplaintReader = Annotated[Principal, Depends(require_roles("collector", *COMPLAINT_OVERSEERS))]


@router.get("/complaints", response_model=ComplaintsPage)
async def list_complaints(request: Request, ctx: CtxDep, who: ComplaintReader,
                          status: Literal["open", "resolved"] | None = None,
                          collector: str | None = Query(None, description="the collector complained about"),
                          case_id: str | None = None, limit: int = Query(50, ge=1, le=500),
                          cursor: str | None = None) -> dict[str, Any]:
    """Complaints, oldest first; paged. A collector lists only their own (about them, or on a case assigned to
    them); supervisors, legal, auditors and admins list all."""
    offset = parse_cursor(cursor)
    own = None if who.has(*COMPLAINT_OVERSEERS) else who.sub
    async with reading(request) as conn:
        rows = await complaint_rows.page(conn, status=status, collector=collector, case_id=case_id, offset=offset,
                                         limit=limit, own=own)
        rows = await ctx.open(conn, rows)  # descriptions and resolutions sealed with the borrower's key
    return page(rows, offset, limit)
