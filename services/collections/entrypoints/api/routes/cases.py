"""Cases: list, view with timeline, queue, and the collector's and supervisor's actions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, Request

from services.collections.adapters import cases as case_rows
from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import (
    READERS,
    Bus,
    CaseReader,
    CtxDep,
    Reader,
    Supervisor,
    Worker,
    page,
    reading,
)
from services.collections.entrypoints.api.public import CASE, CasePublic, CasesPage
from services.collections.entrypoints.api.schemas import AssignBody, ContactCreate, EscalateBody, PromiseCreate
from services.collections.service_layer.views import audit_view, case_view, summaries
from shared.access_audit import RevealBody, RevealDep, revealed
from shared.contracts.collections import Recording
from shared.errors import NotFound
from shared.paging import parse_cursor
from shared.service import IdempotencyDep

router = APIRouter(tags=["cases"])
UNTOUCHED = ("open cases with no contact for at least this many days (business days since the last contact, or "
             "since opening when never contacted)")


@router.get("/cases", response_model=CasesPage, response_model_exclude_unset=True)
async def list_cases(request: Request, ctx: CtxDep, _: Reader, status: Literal["open", "closed"] | None = None,
                     stage: Literal["front", "mid", "back"] | None = None, assignee: str | None = None,
                     loan_id: str | None = None, queue: str | None = None,
                     untouched_days: int | None = Query(None, ge=1, le=36500, description=UNTOUCHED),
                     limit: int = Query(50, ge=1, le=500), cursor: str | None = None) -> dict[str, Any]:
    """Cases filtered by status, stage, assignee, loan or queue, or untouched for N days; paged."""
    offset = parse_cursor(cursor)
    async with reading(request) as conn:
        untouched_since = None if untouched_days is None else \
            await ctx.business_date(conn) - timedelta(days=untouched_days)
        rows = await case_rows.list_cases(conn, status=status, stage=stage, assignee=assignee, loan_id=loan_id,
                                          queue=queue, untouched_since=untouched_since, offset=offset, limit=limit)
        items = await summaries(ctx, conn, rows)
    return page(items, offset, limit)


@router.get("/queue", response_model=CasesPage, response_model_exclude_unset=True)
async def work_queue(request: Request, ctx: CtxDep, who: Reader, collector: str | None = None,
                     queue: str | None = None, limit: int = Query(50, ge=1, le=500),
                     cursor: str | None = None) -> dict[str, Any]:
    """The caller's open cases, most urgent first.

    Urgency: a promise due today or earlier first, then back before mid before front,
    then the larger overdue amount, then the longest without contact (never contacted first).
    Supervisors may look at another collector's queue (`collector=`) or a whole queue (`queue=`).
    """
    offset = parse_cursor(cursor)
    supervising = who.has("collections_supervisor", "admin", "legal")
    assignee = (collector if supervising else None) or (None if supervising and queue else who.sub)
    async with reading(request) as conn:
        rows = await case_rows.work_queue(conn, assignee=assignee, queue=queue,
                                          business_date=await ctx.business_date(conn), offset=offset, limit=limit)
        items = await summaries(ctx, conn, rows)
    return page(items, offset, limit)


@router.get("/cases/{case_id}", response_model=CasePublic)
async def get_case(request: Request, ctx: CtxDep, bus: Bus, who: CaseReader, case_id: str,
                   reveal: RevealDep) -> dict[str, Any]:
    """One case with borrower, contact points, tactics, statute dates and its timeline.

    Contact points' values are masked; `?reveal=true&reason=...` shows them to the case's collector, a
    supervisor or legal (403 `reveal_not_permitted` to others, 422 `reason_required` without a reason)
    and records who, when and why in the access audit (`GET /audit/access?case_id=`). An auditor (without a
    collections role) reads the case a record names with every personal field masked — borrower, contacts,
    contact points, the timeline's data as on the topic — and may not reveal it.
    """
    if reveal is not None:
        return await bus.handle(c.RevealCase(case_id, who.sub, who.roles, reason=reveal.reason))
    async with reading(request) as conn:
        state = await case_rows.state_of(conn, case_id)
        if state is None:
            raise NotFound(f"no case {case_id}")
        if not who.has(*READERS):  # an auditor: read-only and masked in full
            return await audit_view(ctx, conn, state)
        return await case_view(ctx, conn, state, timeline=True)


@router.post("/cases/{case_id}/reveal", response_model=CasePublic)
async def reveal_case(bus: Bus, who: Reader, case_id: str, body: RevealBody) -> dict[str, Any]:
    """The case with its contact points unmasked, the reason in the body (`{"reason": ...}`): the same reveal
    as `GET /cases/{id}?reveal=true&reason=`, its reason in no URL or access log. The case's collector, a
    supervisor or legal (403 `reveal_not_permitted` to others, 422 `reason_required` without a reason);
    recorded in the access audit in the read's transaction. Nothing changes on the case (no event)."""
    return await bus.handle(c.RevealCase(case_id, who.sub, who.roles, reason=revealed(body).reason))


@router.post("/cases/{case_id}/promises", status_code=201, **CASE)
async def make_promise(bus: Bus, who: Worker, case_id: str, body: PromiseCreate, key: IdempotencyDep) -> dict[str, Any]:
    """A promise to pay; judged at day-close after the promised date plus grace. Optional Idempotency-Key."""
    return await bus.handle(c.RecordPromise(case_id, who.sub, who.roles, amount=body.amount,
                                            promised_date=body.promised_date, idempotency=key))


@router.post("/cases/{case_id}/contacts", status_code=201, **CASE)
async def log_contact(bus: Bus, who: Worker, case_id: str, body: ContactCreate, key: IdempotencyDep) -> dict[str, Any]:
    """A contact attempt on a target; refused with 409 naming the rule it would break. Optional Idempotency-Key.

    Contact policy: `call_frequency`, `contact_hours`, `dispute_pause` (details carry `next_allowed_at`,
    borrower local time, null while a dispute is open). Third parties: a contact whose target is
    `family`, `work` or `other` (or a point of theirs) is for locating the borrower only; an outcome
    `promise`, `right_party_contact` or `dispute` with them is 409 `third_party_disclosure`. The
    guarantor is a co-obligor and may be asked to pay. A field visit is never refused for count
    (25 a month is a target reports measure); `met_borrower` / `met_family` make it valid.
    `recording {uri, duration_s, sha256}` (optional): the reference to the call's or visit's recording (the
    audio stays in the company's storage); a malformed one is 422, one on an sms or a letter 422
    `recording_not_for_channel`. Recorded contacts are what the weekly QA sample draws from (`/qa/sample`).
    """
    return await bus.handle(c.LogContact(case_id, who.sub, who.roles, channel=body.channel, outcome=body.outcome,
                                         note=body.note, target=body.target, reason=body.reason, idempotency=key,
                                         recording=None if body.recording is None else
                                         Recording.model_validate(body.recording.model_dump()),
                                         follow_up_on=body.follow_up_on))


@router.post("/cases/{case_id}/assign", **CASE)
async def assign(bus: Bus, who: Supervisor, case_id: str, body: AssignBody) -> dict[str, Any]:
    """A supervisor (re)assigns the case to a collector, optionally moving it to another queue."""
    return await bus.handle(c.AssignCase(case_id, who.sub, who.roles, collector=body.collector, queue=body.queue,
                                         reason=body.reason))


@router.post("/cases/{case_id}/escalate", **CASE)
async def escalate(bus: Bus, who: Worker, case_id: str, body: EscalateBody) -> dict[str, Any]:
    """Escalate to the next (or a named later) stage by hand, with the reason."""
    return await bus.handle(c.EscalateCase(case_id, who.sub, who.roles, reason=body.reason, to_stage=body.to_stage))
