"""Tags and the special paths: dispute, fraud, deceased, skip trace, statute, write-off."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from services.collections.entrypoints.api.deps import CtxDep, Decider, Worker, transaction
from services.collections.entrypoints.api.schemas import (
    DeceasedPath,
    DeceasedVerification,
    DisputeResolve,
    NoteBody,
    StatuteRestart,
    TagBody,
)
from services.collections.service_layer import commands

router = APIRouter(tags=["special paths"])


@router.post("/cases/{case_id}/tags", status_code=201)
async def tag(request: Request, ctx: CtxDep, who: Worker, case_id: str, body: TagBody) -> dict[str, Any]:
    """Tag the borrower with one of the seven behaviour types; the view shows its tactic (zh, en)."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who,
                                  lambda case, _: case.actions.tag(body.behaviour, by=who.sub, reason=body.reason))


@router.post("/cases/{case_id}/disputes", status_code=201)
async def open_dispute(request: Request, ctx: CtxDep, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """A complaint or dispute: contacts and ordinary policy pause until it is resolved."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who, lambda case, _: case.actions.open_dispute(
            dispute_id=commands.new_id("dsp"), reason=body.reason, by=who.sub))


@router.post("/cases/{case_id}/disputes/resolve")
async def resolve_dispute(request: Request, ctx: CtxDep, who: Decider, case_id: str,
                          body: DisputeResolve) -> dict[str, Any]:
    """A supervisor or legal resolves the dispute; ordinary treatment resumes."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who,
                                  lambda case, _: case.actions.resolve_dispute(resolution=body.resolution, by=who.sub))


@router.post("/cases/{case_id}/fraud")
async def report_fraud(request: Request, ctx: CtxDep, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """Fraud suspected: the case moves to the fraud queue, off the ordinary policy."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who,
                                  lambda case, _: case.actions.report_fraud(by=who.sub, note=body.reason))


@router.post("/cases/{case_id}/deceased")
async def report_deceased(request: Request, ctx: CtxDep, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """A death reported (also by a contact outcome): verification comes next."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who, lambda case, _: case.actions.report_deceased(
            by=who.sub, note=body.reason))


@router.post("/cases/{case_id}/deceased/verification")
async def verify_deceased(request: Request, ctx: CtxDep, who: Decider, case_id: str,
                          body: DeceasedVerification) -> dict[str, Any]:
    """Verified through contacts, employer, records (or the report was wrong)."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who, lambda case, _: case.actions.verify_deceased(
            confirmed=body.confirmed, by=who.sub, evidence=body.evidence))


@router.post("/cases/{case_id}/deceased/path")
async def deceased_path(request: Request, ctx: CtxDep, who: Decider, case_id: str,
                        body: DeceasedPath) -> dict[str, Any]:
    """After verification: relatives/estate repay (estate queue), or a write-off proposal."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who, lambda case, _: case.actions.choose_deceased_path(
            path=body.path, by=who.sub, note=body.note))


@router.post("/cases/{case_id}/skip-trace")
async def skip_trace(request: Request, ctx: CtxDep, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """The borrower is unreachable: trace through the loan's three contacts (listed in the view)."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who,
                                  lambda case, _: case.actions.start_skip_trace(by=who.sub, note=body.reason))


@router.post("/cases/{case_id}/statute/restart")
async def restart_statute(request: Request, ctx: CtxDep, who: Worker, case_id: str,
                          body: StatuteRestart) -> dict[str, Any]:
    """An acknowledgement by the debtor or a documented demand restarts the limitation period."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who, lambda case, bd: case.restart_statute(
            kind=body.kind, on=body.on, by=who.sub, evidence=body.evidence, business_date=bd))


@router.post("/cases/{case_id}/write-off")
async def decide_write_off(request: Request, ctx: CtxDep, who: Decider, case_id: str,
                           body: NoteBody) -> dict[str, Any]:
    """Legal or a supervisor decides the write-off (collections.write_off.decided -> servicing)."""
    async with transaction(request) as conn:
        return await commands.run(ctx, conn, case_id, who,
                                  lambda case, _: case.actions.decide_write_off(by=who.sub, reason=body.reason))
