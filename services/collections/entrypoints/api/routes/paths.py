"""Tags and the special paths: dispute, fraud, deceased, skip trace, statute, write-off."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from services.collections.domain import commands as c
from services.collections.entrypoints.api.deps import Bus, Decider, Worker
from services.collections.entrypoints.api.public import CASE
from services.collections.entrypoints.api.schemas import (
    DeceasedPath,
    DeceasedVerification,
    DisputeResolve,
    NoteBody,
    StatuteRestart,
    TagBody,
)

router = APIRouter(tags=["special paths"])


@router.post("/cases/{case_id}/tags", status_code=201, **CASE)
async def tag(bus: Bus, who: Worker, case_id: str, body: TagBody) -> dict[str, Any]:
    """Tag the borrower with one of the seven behaviour types; the view shows its tactic (zh, en)."""
    return await bus.handle(c.TagBehaviour(case_id, who.sub, who.roles, behaviour=body.behaviour, reason=body.reason))


@router.post("/cases/{case_id}/disputes", status_code=201, **CASE)
async def open_dispute(bus: Bus, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """A complaint or dispute: contacts and ordinary policy pause until it is resolved."""
    return await bus.handle(c.OpenDispute(case_id, who.sub, who.roles, reason=body.reason))


@router.post("/cases/{case_id}/disputes/resolve", **CASE)
async def resolve_dispute(bus: Bus, who: Decider, case_id: str, body: DisputeResolve) -> dict[str, Any]:
    """A supervisor or legal resolves the dispute; ordinary treatment resumes."""
    return await bus.handle(c.ResolveDispute(case_id, who.sub, who.roles, resolution=body.resolution))


@router.post("/cases/{case_id}/fraud", **CASE)
async def report_fraud(bus: Bus, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """Fraud suspected: the case moves to the fraud queue, off the ordinary policy."""
    return await bus.handle(c.ReportFraud(case_id, who.sub, who.roles, note=body.reason))


@router.post("/cases/{case_id}/deceased", **CASE)
async def report_deceased(bus: Bus, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """A death reported (also by a contact outcome): verification comes next."""
    return await bus.handle(c.ReportDeceased(case_id, who.sub, who.roles, note=body.reason))


@router.post("/cases/{case_id}/deceased/verification", **CASE)
async def verify_deceased(bus: Bus, who: Decider, case_id: str, body: DeceasedVerification) -> dict[str, Any]:
    """Verified through contacts, employer, records (or the report was wrong)."""
    return await bus.handle(c.VerifyDeceased(case_id, who.sub, who.roles, confirmed=body.confirmed,
                                             evidence=body.evidence))


@router.post("/cases/{case_id}/deceased/path", **CASE)
async def deceased_path(bus: Bus, who: Decider, case_id: str, body: DeceasedPath) -> dict[str, Any]:
    """After verification: relatives/estate repay (estate queue), or a write-off proposal."""
    return await bus.handle(c.ChooseDeceasedPath(case_id, who.sub, who.roles, path=body.path, note=body.note))


@router.post("/cases/{case_id}/skip-trace", **CASE)
async def skip_trace(bus: Bus, who: Worker, case_id: str, body: NoteBody) -> dict[str, Any]:
    """The borrower is unreachable: trace through the loan's three contacts (listed in the view)."""
    return await bus.handle(c.StartSkipTrace(case_id, who.sub, who.roles, note=body.reason))


@router.post("/cases/{case_id}/statute/restart", **CASE)
async def restart_statute(bus: Bus, who: Worker, case_id: str, body: StatuteRestart) -> dict[str, Any]:
    """An acknowledgement by the debtor or a documented demand restarts the limitation period."""
    return await bus.handle(c.RestartStatute(case_id, who.sub, who.roles, kind=body.kind, on=body.on,
                                             evidence=body.evidence))


@router.post("/cases/{case_id}/write-off", **CASE)
async def decide_write_off(bus: Bus, who: Decider, case_id: str, body: NoteBody) -> dict[str, Any]:
    """Legal or a supervisor decides the write-off (collections.write_off.decided -> servicing)."""
    return await bus.handle(c.DecideWriteOff(case_id, who.sub, who.roles, reason=body.reason))
