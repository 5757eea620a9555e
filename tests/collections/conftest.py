"""A running collections service on real PostgreSQL and the broker, and a servicing/origination stand-in.

The stand-in produces CloudEvents to `<prefix>.servicing` / `<prefix>.origination` exactly as
those services publish them (make_event, per-loan `sequence`), so each test tells a loan's story.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from loanflow.testing import bearer, eventually, read_events, running
from services.collections.bootstrap import create_app
from services.collections.config import CollectionsSettings
from shared.clock import FixedClock
from shared.config import PlatformSettings
from shared.contracts import CloudEvent, make_event
from shared.contracts import origination as og
from shared.contracts import servicing as sv
from shared.kafka import make_producer
from tests.collections.replay import unequal_folds

# 10:00 in Shanghai on 22 April 2026
MORNING = datetime(2026, 4, 22, 2, 0, tzinfo=UTC)


@dataclass
class Servicing:
    """Publishes what servicing and origination would, numbering each loan's events."""

    platform: PlatformSettings
    seq: dict[str, int] = field(default_factory=dict)
    sent: set[str] = field(default_factory=set)

    def stamp(self, loan_id: str, event: CloudEvent, sequence: int | None = None) -> CloudEvent:
        if sequence is None:
            sequence = self.seq.get(loan_id, 0) + 1
        self.seq[loan_id] = max(self.seq.get(loan_id, 0), sequence)
        return event.model_copy(update={"sequence": sequence})

    async def send(self, source: str, key: str | None, *events: CloudEvent) -> None:
        """Publish in order, keyed by `key` (None: each event by its subject, as servicing keys by loan)."""
        producer = make_producer(self.platform.kafka_bootstrap)
        await producer.start()
        try:
            for e in events:
                self.sent.add(e.id)
                await producer.send_and_wait(self.platform.topic(source), value=e.to_json_bytes(),
                                             key=(key or e.subject).encode())
        finally:
            await producer.stop()

    async def disbursed(self, loan_id: str) -> str:
        """loan.disbursed v2 with the borrower's three contacts; returns the event's id (wait on it with
        `desk.handled`: origination's topic races servicing's notices)."""
        contacts = [og.ContactPerson(relation="family", name="王芳", phone="13800000001"),
                    og.ContactPerson(relation="other", name="赵强", phone="13800000002"),
                    og.ContactPerson(relation="work", name="钱经理", phone="13800000003")]
        data = og.LoanDisbursed(loan_id=loan_id, application_id=f"A-{loan_id}",
                                borrower=og.Borrower(name="张伟", id_number_masked="110101********1234",
                                                     phone="13900000000", region="Shanghai"),
                                principal=Decimal("12000.00"), annual_rate=Decimal("0.12"), term_months=12,
                                repayment_method="equal_installment", disbursement_date=date(2026, 3, 1),
                                due_day=20, product="credit", contacts=contacts, disbursed_by="cm")
        event = make_event("origination", data, subject=loan_id, businessdate=date(2026, 3, 1))
        await self.send("origination", loan_id, event)
        return event.id

    async def reviewed(self, loan_id: str, reviewer: str, stage: str = "credit_manager") -> None:
        data = og.ApplicationReviewed(application_id=f"A-{loan_id}", stage=stage, decision="approve", reviewer=reviewer)
        await self.send("origination", f"A-{loan_id}", make_event("origination", data, subject=f"A-{loan_id}",
                                                                  businessdate=date(2026, 2, 27)))

    def missed_event(self, loan_id: str, dpd: int, *, due: date = date(2026, 4, 20), amount: str = "1066.19",
                     sequence: int | None = None) -> CloudEvent:
        data = sv.PaymentMissed(loan_id=loan_id, installment_number=2, due_date=due, amount_overdue=Decimal(amount),
                                days_past_due=dpd, overdue_since=due, principal_outstanding=Decimal("11000.00"))
        event = make_event("servicing", data, subject=loan_id, businessdate=due + timedelta(days=dpd))
        return self.stamp(loan_id, event, sequence)

    async def missed(self, loan_id: str, dpd: int, **kw: Any) -> CloudEvent:
        event = self.missed_event(loan_id, dpd, **kw)
        await self.send("servicing", loan_id, event)
        return event

    def paid_event(self, loan_id: str, amount: str, on: date, status: str = "overdue", dpd: int = 5,
                   sequence: int | None = None) -> CloudEvent:
        data = sv.PaymentReceived(loan_id=loan_id, payment_id=f"pay-{loan_id}-{on}-{amount}", partner_id="bank",
                                  external_ref="x", amount=Decimal(amount), paid_at=datetime(on.year, on.month, on.day,
                                                                                             3, tzinfo=UTC),
                                  allocation=[], principal_outstanding=Decimal("10000.00"),
                                  days_past_due=0 if status == "current" else dpd,
                                  overdue_since=None if status == "current" else date(2026, 4, 20), status=status)
        return self.stamp(loan_id, make_event("servicing", data, subject=loan_id, businessdate=on), sequence)

    async def paid(self, loan_id: str, amount: str, on: date, status: str = "overdue") -> None:
        await self.send("servicing", loan_id, self.paid_event(loan_id, amount, on, status))

    def paid_off_event(self, loan_id: str, on: date) -> CloudEvent:
        data = sv.LoanPaidOff(loan_id=loan_id, paid_off_on=on, total_paid=Decimal("13000.00"))
        return self.stamp(loan_id, make_event("servicing", data, subject=loan_id, businessdate=on))

    async def paid_off(self, loan_id: str, on: date) -> None:
        await self.send("servicing", loan_id, self.paid_off_event(loan_id, on))

    def written_off_event(self, loan_id: str, on: date, case_id: str) -> CloudEvent:
        data = sv.LoanWrittenOff(loan_id=loan_id, written_off_on=on, principal=Decimal("11000.00"),
                                 interest=Decimal("0.00"), charges=Decimal("0.00"), case_id=case_id)
        return self.stamp(loan_id, make_event("servicing", data, subject=loan_id, businessdate=on))

    async def written_off(self, loan_id: str, on: date, case_id: str) -> None:
        await self.send("servicing", loan_id, self.written_off_event(loan_id, on, case_id))

    def day_closed_event(self, day: date) -> CloudEvent:
        return make_event("servicing", sv.DayClosed(business_date=day), subject="business-date", businessdate=day)

    async def day_closed(self, day: date) -> None:
        await self.send("servicing", "business-date", self.day_closed_event(day))


@dataclass
class Desk:
    """The collections service as people use it."""

    app: FastAPI
    client: httpx.AsyncClient
    clock: FixedClock
    platform: PlatformSettings

    def as_(self, sub: str, *roles: str) -> dict[str, str]:
        return bearer(self.app, sub, *roles)

    @property
    def supervisor(self) -> dict[str, str]:
        return self.as_("chen", "collections_supervisor")

    async def case_of(self, loan_id: str, *, status: str = "open") -> dict[str, Any]:
        async def found() -> Any:
            r = await self.client.get("/v1/cases", params={"loan_id": loan_id, "status": status},
                                      headers=self.supervisor)
            return r.json()["items"]
        [case] = await eventually(found)
        return case

    async def case(self, case_id: str) -> dict[str, Any]:
        r = await self.client.get(f"/v1/cases/{case_id}", headers=self.supervisor)
        assert r.status_code == 200, r.text
        return r.json()

    async def until(self, case_id: str, check: Any) -> dict[str, Any]:
        async def ok() -> Any:
            view = await self.case(case_id)
            return view if check(view) else None
        return await eventually(ok)

    async def handled(self, event_ids: set[str]) -> None:
        """Wait until the consumers have handled every one of these events."""
        async def done() -> bool:
            async with self.app.state.kernel.db.acquire() as conn:
                seen = await conn.fetchval("SELECT count(DISTINCT event_id) FROM inbox WHERE event_id = ANY($1)",
                                           list(event_ids))
            return seen == len(event_ids)
        await eventually(done)

    async def published(self, until: Any) -> list[CloudEvent]:
        return await read_events(self.platform.kafka_bootstrap, self.platform.topic("collections"), until=until)


@pytest.fixture
async def desk(platform, _drop_platform_dbs):
    clock = FixedClock(MORNING)
    settings = CollectionsSettings(visit_target=1)
    app = create_app(settings, platform, clock)
    async with running(app) as client:
        yield Desk(app, client, clock, platform)
        await desk_streams_fold_to_rows(app)


async def desk_streams_fold_to_rows(app: FastAPI) -> int:
    """After every story: each case's stream, folded, gives the state its row holds. Returns the cases seen."""
    ctx = app.state.collections
    async with app.state.kernel.db.acquire() as conn:
        replayed = await unequal_folds(conn, ctx.store, ctx.rules)
    assert replayed["unequal"] == {}
    return int(replayed["cases"])


@pytest.fixture
def servicing(platform) -> Servicing:
    return Servicing(platform)
