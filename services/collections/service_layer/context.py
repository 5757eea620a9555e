"""What the handlers need: rules, policy, roster, clock, store, unit of work; and how changed cases are saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from services.collections.adapters import arrangements as arrangement_rows
from services.collections.adapters import cases as case_rows
from services.collections.adapters import directory
from services.collections.adapters import roster as roster_rows
from services.collections.adapters.sealing import BorrowerKey, seal_event
from services.collections.domain.arms import PolicyArms
from services.collections.domain.arrangements import ArrangementLimits
from services.collections.domain.assignment import pick_collector
from services.collections.domain.attention import next_attention
from services.collections.domain.case import Case
from services.collections.domain.contact_points import all_points
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.letter_text import Lender
from services.collections.domain.qa import DEFAULT_SCORECARD, ScorecardItem
from services.collections.domain.roster import Move, Roster
from services.collections.domain.state import CaseRules
from shared.clock import Clock
from shared.contracts import CloudEvent, make_event
from shared.contracts import arrangements as arrangement_events
from shared.contracts.registry import EventData
from shared.datakeys import KeyRing
from shared.db import fetch_business_date
from shared.eventstore import PostgresEventStore
from shared.unit_of_work import UnitOfWork

SOURCE = "collections"
ARRANGEMENT_EVENTS = (arrangement_events.ArrangementProposed, arrangement_events.ArrangementApproved,
                      arrangement_events.ArrangementRejected, arrangement_events.ArrangementBroken,
                      arrangement_events.ArrangementCompleted, arrangement_events.ArrangementDeclined)


@dataclass
class Collections:
    """The collections service's dependencies, built once by bootstrap."""

    rules: CaseRules
    arms: PolicyArms  # the champion policy and an optional challenger (domain/arms.py)
    contact_policy: ContactPolicy
    roster: dict[str, list[str]]
    timezone: ZoneInfo
    clock: Clock
    store: PostgresEventStore
    unit_of_work: Callable[[], UnitOfWork]  # a command's transaction (kernel.unit_of_work)
    lender: Lender = field(default_factory=Lender)  # who signs the letters
    complaint_due_days: int = 15
    roster_cases: str = "stay"  # a collector's open cases when they leave a queue: stay | rebalance
    qa_sample_size: int = 5  # recorded contacts drawn per collector per week for QA
    qa_scorecard: tuple[ScorecardItem, ...] = DEFAULT_SCORECARD
    arrangement_limits: ArrangementLimits = field(default_factory=ArrangementLimits)  # who may approve a waiver
    ring: KeyRing | None = None  # copies of the borrowers' data keys (issue 16); None: sealed fields stay sealed
    reassign_after_days: int | None = None  # an unworked case moves to another collector after this many days
    # The roster's moves as last read for routing, with the roster stream's head event id then: used only
    # while a routing read (roster_rows.routing) finds the same head in its own snapshot.
    _roster_moves: tuple[str | None, list[Move]] | None = field(default=None, init=False, repr=False, compare=False)

    def local_now(self) -> datetime:
        """Wall time in the borrowers' time zone (contact hours)."""
        return self.clock.now().astimezone(self.timezone)

    async def business_date(self, conn: asyncpg.Connection) -> date:
        """The business date last seen from servicing (before any: the local calendar day)."""
        stored = await fetch_business_date(conn)
        return stored if stored is not None else self.local_now().date()

    async def borrower_key(self, conn: asyncpg.Connection, loan_id: str) -> BorrowerKey:
        """The key what the case records of the loan's borrower is sealed with (adapters/sealing.py): the one the
        loan file is sealed with, from collections' copies (fetched from origination when first needed)."""
        key_id = await directory.borrower_key_id(conn, loan_id)
        if key_id is None:
            return BorrowerKey(None)
        keys = await self.ring.keys(conn, [key_id]) if self.ring is not None else {}
        if key_id not in keys:
            return BorrowerKey(key_id)  # not fetchable now: recording personal data is refused (503)
        key = keys[key_id]
        return BorrowerKey(key_id, key, erased=key is None)

    async def sealer(self, conn: asyncpg.Connection, loan_id: str) -> Callable[[EventData], EventData]:
        """What seals a case's events of this loan before they are recorded (`Case.sealer`)."""
        borrower = await self.borrower_key(conn, loan_id)
        return lambda event: seal_event(event, borrower)

    async def _policy_sealers(self, conn: asyncpg.Connection, cases: list[Case],
                              loans: dict[str, dict[str, Any]]) -> None:
        """The policy's letters go to the loan file's addresses, sealed in one part at origination: a case
        recorded without a command's sealer gets a lenient one (adapters/sealing.py) with collections' copy of
        the key, so the topic gets the masked address. Copies held only: no request to origination here."""
        if self.ring is None:
            return
        ids = {c.state.loan_id: directory.key_id_of_loan(loans.get(c.state.loan_id))
               for c in cases if c.sealer is None}
        wanted = {k for k in ids.values() if k is not None}
        if not wanted:
            return
        keys = await self.ring.keys(conn, wanted, fetch=False)
        for case in cases:
            key_id = ids.get(case.state.loan_id)
            if case.sealer is None and key_id is not None and keys.get(key_id) is not None:
                borrower = BorrowerKey(key_id, keys[key_id], lenient=True)
                case.sealer = partial(seal_event, borrower=borrower)

    async def open(self, conn: asyncpg.Connection, value: Any) -> Any:
        """`value` with the sealed fields in it opened ("erased" once the key is destroyed): the read boundary."""
        return await self.ring.open(conn, value) if self.ring is not None else value

    async def save(self, conn: asyncpg.Connection, case: Case, version: int, business_date: date, *,
                   cause: CloudEvent | None = None, actor: str = "system") -> list[CloudEvent]:
        """Save one changed case (see `save_many`)."""
        return await self.save_many(conn, [(case, version)], business_date, cause=cause, actor=actor)

    async def save_many(self, conn: asyncpg.Connection, cases: list[tuple[Case, int]], business_date: date, *,
                        cause: CloudEvent | None = None, actor: str = "system") -> list[CloudEvent]:
        """Save changed cases of one business date and cause (see `save_each`)."""
        return await self.save_each(conn, [(case, version, business_date, cause) for case, version in cases],
                                    actor=actor)

    async def save_each(self, conn: asyncpg.Connection, changes: list[tuple[Case, int, date, CloudEvent | None]], *,
                        actor: str = "system") -> list[CloudEvent]:
        """Apply the policy, assign cases whose queue changed (least open cases), append events, save rows.

        Each change is (case, loaded version, business date, causing event); all in this transaction.
        """
        deciding = [case for case, _, _, _ in changes if case.is_open and case.pending.triggers]
        routing = None
        if deciding:  # the loan files and, should the policy route a case, the roster: one statement
            routing = await self._routing(conn, sorted({c.state.loan_id for c, _, _, _ in changes if c.is_open}),
                                          sorted({c.state.loan_id for c in deciding}))
        loans = routing.loans if routing is not None else {}
        await self._policy_sealers(conn, deciding, loans)
        for case, _, business_date, _ in changes:
            if case.is_open:  # the policy's letters go where a collector's would (the case's contact points)
                case.apply_policy(self.arms.policy(case.state.arm), business_date,
                                  all_points(case.state.contact_points, loans.get(case.state.loan_id)))
        to_assign = [case for case, _, _, _ in changes if case.is_open and case.pending.needs_assignment]
        business_dates = {id(case): business_date for case, _, business_date, _ in changes}
        if to_assign:
            if routing is None:
                routing = await self._routing(conn, sorted({c.state.loan_id for c in to_assign}), [])
            roster = Roster(self.roster, routing.moves or []).active_by_queue()
            load = {c: 0 for q in roster.values() for c in q} | routing.caseload
            excluded = routing.originators
            for case in to_assign:
                collector = pick_collector(roster.get(case.state.queue, []), load, excluded[case.state.loan_id])
                case.assign(collector, by="routing" if actor == "system" else actor, on=business_dates[id(case)],
                            reason=f"routed to the {case.state.queue} queue")
                if collector is not None:
                    load[collector] = load.get(collector, 0) + 1
        batches, arranged = [], []
        for case, version, business_date, cause in changes:
            touched = {e.arrangement_id for e in case.pending.events if isinstance(e, ARRANGEMENT_EVENTS)}
            if touched:
                arranged.append((case, touched))
            events = [make_event(SOURCE, e, subject=case.state.loan_id, businessdate=business_date, causation=cause)
                      for e in case.pending.events]
            case.pending.events = []
            batches.append((case_rows.stream_id(case.state.case_id), version, events))
        stamped = await self.store.append_many(conn, batches)
        await case_rows.save_many(conn, [
            (case, version + len(stamped[stream]),
             next_attention(case.state, self.rules, self.arms.policy(case.state.arm)))
            for (case, version, _, _), (stream, _, _) in zip(changes, batches, strict=True)])
        for case, touched in arranged:  # the arrangement rows follow their case, in its transaction
            for a in case.state.arrangements:
                if a.arrangement_id in touched:
                    await arrangement_rows.save(conn, case.state.case_id, case.state.loan_id, a)
        return [e for events in stamped.values() for e in events]

    async def _routing(self, conn: asyncpg.Connection, originators_of: list[str],
                       files_of: list[str]) -> roster_rows.Routing:
        """`roster_rows.routing` with this process's copy of the roster's moves: re-read only when the
        roster stream's head (read in the same snapshot as the caseloads) is not the copy's head."""
        cached = self._roster_moves  # this copy (another task may replace the attribute meanwhile)
        routing = await roster_rows.routing(conn, cached[0] if cached is not None else roster_rows.UNCACHED,
                                            originators_of, files_of)
        if routing.moves is None:
            assert cached is not None and cached[0] == routing.head
            routing.moves = cached[1]
        else:
            self._roster_moves = (routing.head, routing.moves)
        return routing
