"""Commands from the API: each loads the case row-locked, runs the domain method and saves."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.adapters import contacts as contact_rows
from services.collections.adapters import directory
from services.collections.domain.assignment import check_segregation
from services.collections.domain.case import Case
from services.collections.domain.errors import CaseRuleViolation
from services.collections.service_layer.context import Collections
from services.collections.service_layer.views import case_view
from shared.auth import Principal
from shared.errors import Forbidden, NotFound

SUPERVISING = ("collections_supervisor", "admin", "legal")


def new_id(prefix: str) -> str:
    """A new id for a promise, contact or dispute."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


async def run(ctx: Collections, conn: asyncpg.Connection, case_id: str, who: Principal,
              action: Callable[[Case, date], Any], *, allow_closed: bool = False) -> dict[str, Any]:
    """Load, authorise, act, save; answers the case view."""
    loaded = await case_rows.load(conn, case_id, ctx.rules)
    if loaded is None:
        raise NotFound(f"no case {case_id}")
    case, version = loaded
    if not who.has(*SUPERVISING) and case.state.assignee != who.sub:
        raise Forbidden(f"case {case_id} is assigned to {case.state.assignee or 'nobody'}, not to you",
                        code="not_assignee")
    if not allow_closed:
        case.require_open()
    business_date = await ctx.business_date(conn)
    result = action(case, business_date)
    if hasattr(result, "__await__"):
        await result
    await ctx.save(conn, case, version, business_date, actor=who.sub)
    return await case_view(ctx, conn, case.state)


async def log_contact(ctx: Collections, conn: asyncpg.Connection, case_id: str, who: Principal, *, channel: str,
                      outcome: str, note: str | None, target: str) -> dict[str, Any]:
    """A contact attempt, checked against the contact policy (409 naming the rule)."""
    now = ctx.clock.now()
    local_now = ctx.local_now()
    month = f"{local_now:%Y-%m}"
    contact_id = new_id("ct")

    async def act(case: Case, _: date) -> None:
        calls = await contact_rows.recent_calls(conn, case_id, now - timedelta(days=7))
        visits = await contact_rows.visits_in_month(conn, who.sub, month)
        case.actions.log_contact(contact_id=contact_id, channel=channel, outcome=outcome, collector=who.sub, at=now,
                         local_now=local_now, note=note, target=target, policy=ctx.contact_policy,
                         recent_calls=[c.astimezone(ctx.timezone) for c in calls], visits_this_month=visits)
        await contact_rows.record(conn, contact_id=contact_id, case_id=case_id, channel=channel, outcome=outcome,
                                  collector=who.sub, target=target, at=now, local_month=month)

    return await run(ctx, conn, case_id, who, act)


async def assign(ctx: Collections, conn: asyncpg.Connection, case_id: str, who: Principal, *, collector: str,
                 queue: str | None, reason: str | None) -> dict[str, Any]:
    if queue is not None and queue not in ctx.roster:
        raise CaseRuleViolation("unknown_queue", f"queue must be one of {sorted(ctx.roster)}")
    loan_id = await conn.fetchval("SELECT loan_id FROM cases WHERE case_id = $1", case_id)
    if loan_id is not None:
        check_segregation(collector, (await directory.originators(conn, [loan_id]))[loan_id])
    return await run(ctx, conn, case_id, who,
                     lambda case, _: case.assign(collector, by=who.sub, reason=reason or "reassigned by supervisor",
                                                 queue=queue))
