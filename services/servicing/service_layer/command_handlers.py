"""Servicing's command handlers: each runs in one unit of work (transaction + event store + outbox)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.servicing.adapters import partners
from services.servicing.domain.channels import check_channel
from services.servicing.domain.commands import (
    AddPartner,
    AdvanceBusinessDate,
    Advanced,
    Answer,
    RecordRepayment,
    RotatePartnerSecret,
)
from services.servicing.domain.dayclose import ADVANCE_YEARS, advance_limit
from services.servicing.domain.errors import AdvanceTooFar
from services.servicing.service_layer.deps import Deps
from services.servicing.service_layer.handlers import business_date
from services.servicing.service_layer.repayments import record_repayment
from shared.messagebus import Handler


async def record_repayment_once(cmd: RecordRepayment, deps: Deps) -> Answer:
    """Record the repayment once per Idempotency-Key: a retry with the same key and body replays the answer."""
    async with deps.kernel.unit_of_work() as uow:
        return await uow.once(f"repayments:{cmd.partner_id}", cmd.idempotency,
                              lambda: record_repayment(uow.conn, deps.svc, cmd))


async def add_partner(cmd: AddPartner, deps: Deps) -> Answer:
    check_channel(cmd.channel, deps.svc.settings.partner_channels)
    async with deps.kernel.unit_of_work() as uow:
        return await partners.add(uow.conn, cmd.name, deps.box, channel=cmd.channel)


async def rotate_partner_secret(cmd: RotatePartnerSecret, deps: Deps) -> Answer | None:
    async with deps.kernel.unit_of_work() as uow:
        rotated = await partners.rotate(uow.conn, cmd.partner_id, deps.box, now=deps.svc.clock.now(),
                                        grace=timedelta(hours=cmd.grace_hours))
    if rotated is None:
        return None
    secret, until = rotated
    return {"partner_id": cmd.partner_id, "secret": secret,
            "previous_secret_valid_until": until.isoformat() if until else None}


async def advance_business_date(cmd: AdvanceBusinessDate, deps: Deps) -> Advanced:
    """Start the advance job (409 while another runs) and wait for it a little (`ADVANCE_WAIT_SECONDS`)."""
    async with deps.kernel.db.acquire() as conn:
        current = await business_date(conn)
    if cmd.to > advance_limit(current):
        raise AdvanceTooFar(f"advance at most {ADVANCE_YEARS} years at a time (to {advance_limit(current)})")
    job = await deps.jobs.start(cmd.to, cmd.requested_by)
    if job is None:
        return Advanced(current, [], None)
    closed = await deps.jobs.wait(job["job_id"], deps.svc.settings.advance_wait_seconds)
    async with deps.kernel.db.acquire() as conn:
        return Advanced(await business_date(conn), closed, job["job_id"])


COMMAND_HANDLERS: dict[type[Any], Handler[Deps]] = {
    RecordRepayment: record_repayment_once,
    AddPartner: add_partner,
    RotatePartnerSecret: rotate_partner_secret,
    AdvanceBusinessDate: advance_business_date,
}
