"""What the handlers need: rules, policy, roster, clock, store; and how a changed case is saved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import asyncpg

from services.collections.adapters import cases as case_rows
from services.collections.domain.case import Case
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules
from shared.clock import Clock
from shared.contracts import CloudEvent, make_event
from shared.db import fetch_business_date
from shared.eventstore import PostgresEventStore

SOURCE = "collections"


@dataclass
class Collections:
    """The collections service's dependencies, built once by bootstrap."""

    rules: CaseRules
    policy: Policy
    contact_policy: ContactPolicy
    roster: dict[str, list[str]]
    timezone: ZoneInfo
    clock: Clock
    store: PostgresEventStore

    def local_now(self) -> datetime:
        """Wall time in the borrowers' time zone (contact hours)."""
        return self.clock.now().astimezone(self.timezone)

    async def business_date(self, conn: asyncpg.Connection) -> date:
        """The business date last seen from servicing (before any: the local calendar day)."""
        stored = await fetch_business_date(conn)
        return stored if stored is not None else self.local_now().date()

    async def save(self, conn: asyncpg.Connection, case: Case, version: int, business_date: date, *,
                   cause: CloudEvent | None = None, actor: str = "system") -> list[CloudEvent]:
        """Apply the policy, assign if the queue changed, append the events and save the row."""
        if case.is_open:
            case.apply_policy(self.policy, business_date)
        if case.is_open and case.pending.needs_assignment:
            collector = await case_rows.least_loaded(conn, self.roster.get(case.state.queue, []))
            case.assign(collector, by="routing" if actor == "system" else actor,
                        reason=f"routed to the {case.state.queue} queue")
        events = [make_event(SOURCE, e, subject=case.state.loan_id, businessdate=business_date, causation=cause)
                  for e in case.pending.events]
        case.pending.events = []
        stamped = await self.store.append(conn, case_rows.stream_id(case.state.case_id), events, version)
        await case_rows.save(conn, case, version + len(stamped))
        return stamped
