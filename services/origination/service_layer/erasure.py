"""Erasure without rewriting history (issue 16): destroy a borrower's data key, so every personal field
sealed with it reads "erased" in every event, view and report, while the events stay as they were."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import asyncpg

from services.origination.adapters import blacklist
from services.origination.adapters.business_date import current_business_date
from services.origination.adapters.repository import SOURCE
from services.origination.domain.commands import Answer, EraseBorrower
from services.origination.domain.erasure import BorrowerRecord, erasure_refusal
from services.origination.service_layer.deps import Deps
from shared.contracts.origination import BorrowerErased
from shared.contracts.registry import make_event
from shared.errors import NotFound

log = logging.getLogger(__name__)


class UnknownBorrower(NotFound):
    code = "borrower_not_found"


async def _records(conn: asyncpg.Connection, borrower_id: str) -> list[BorrowerRecord]:
    """The borrower's applications with their closing dates (a rejection closes on its business date)."""
    rows = await conn.fetch(
        """SELECT a.application_id, a.status, a.loan_id, c.closed_on,
                  (SELECT (e.envelope->>'businessdate')::date FROM events e
                   WHERE e.stream_id = 'application-' || a.application_id ORDER BY e.version DESC LIMIT 1) AS last_on
           FROM application_keys k JOIN applications a USING (application_id)
           LEFT JOIN loan_closures c ON c.loan_id = a.loan_id
           WHERE k.key_id = $1 ORDER BY a.seq""", borrower_id)
    return [BorrowerRecord(r["application_id"], r["status"], r["loan_id"],
                           r["last_on"] if r["status"] == "rejected" else r["closed_on"]) for r in rows]


def _answer(borrower_id: str, erased_on: date, records: list[BorrowerRecord]) -> Answer:
    return {"borrower_id": borrower_id, "status": "erased", "erased_on": erased_on.isoformat(),
            "application_ids": [r.application_id for r in records],
            "loan_ids": [r.loan_id for r in records if r.loan_id]}


async def erase_borrower(cmd: EraseBorrower, deps: Deps) -> Answer:
    """Refused (409 with the rule) while a debt is open or within the retention period; else the key is
    destroyed and `loan.borrower.erased` tells the other services to destroy their copies. Erasing an
    erased borrower answers the same and records nothing more."""
    async with deps.kernel.unit_of_work() as uow:
        key = await uow.conn.fetchrow("SELECT sealed, erased_at FROM data_keys WHERE key_id = $1 FOR UPDATE",
                                      cmd.borrower_id)
        if key is None:
            raise UnknownBorrower(f"no borrower {cmd.borrower_id}")
        records = await _records(uow.conn, cmd.borrower_id)
        if key["sealed"] is None:
            erased = await uow.load(_stream(cmd.borrower_id))
            on = erased[0].businessdate if erased else key["erased_at"].date()
            return _answer(cmd.borrower_id, on, records)
        today = await current_business_date(uow.conn, deps.kernel.platform, deps.kernel.clock)
        refusal = erasure_refusal(records, today, deps.retention_days)
        if refusal is not None:
            raise refusal
        await deps.ring.erase(uow.conn, cmd.borrower_id)
        await uow.conn.execute("DELETE FROM borrower_keys WHERE key_id = $1", cmd.borrower_id)
        answer = _answer(cmd.borrower_id, today, records)
        # a blacklisting stays (fraud record, matched by keyed hash only); its masked ID number goes
        await blacklist.forget_display(uow.conn, answer["application_ids"])
        event = make_event(SOURCE, BorrowerErased(borrower_id=cmd.borrower_id, erased_by=cmd.erased_by,
                                                  erased_on=today, application_ids=answer["application_ids"],
                                                  loan_ids=answer["loan_ids"]),
                           subject=cmd.borrower_id, businessdate=today)
        await uow.append(_stream(cmd.borrower_id), [event], 0, key=cmd.borrower_id)
    deps.ring.forget(cmd.borrower_id)  # a read that raced the erasure may have cached the key
    log.info("borrower %s erased by %s (%d applications)", cmd.borrower_id, cmd.erased_by, len(records))
    return answer


def _stream(borrower_id: str) -> str:
    return f"borrower-{borrower_id}"


async def sealed_keys(deps: Deps, key_ids: list[str]) -> dict[str, Any]:
    """The keys other services ask for (sealed with LOANFLOW_SECRETS_KEY, None once erased)."""
    async with deps.kernel.db.acquire() as conn:
        found = await deps.ring.sealed(conn, key_ids)
    return {"keys": [{"key_id": k, "sealed": v, "erased": v is None} for k, v in sorted(found.items())]}

