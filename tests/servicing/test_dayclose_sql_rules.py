"""The one-statement SQL day-close tells each loan's day exactly as the domain rules (`plan_day`) say.

Three loans, one per repayment method, due on different days; one pays its first installment
late; with the default DPD boundaries and with one on the first day of a miss. Every day from
disbursement to late July (misses, DPD boundaries, 罚息 every day, reminders) the events the
SQL wrote are compared with `plan_day` over the same facts, and each outbox row with its event.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.servicing.adapters import dayclose_sql
from services.servicing.domain.dayclose import plan_day
from shared.contracts import CloudEvent, parse_data

from .conftest import START, servicing_app


@pytest.fixture(params=[[30, 60, 90, 180], [1, 30, 60]], ids=["default-boundaries", "boundary-on-day-one"])
async def servicing(request, platform, _drop_platform_dbs):
    """Servicing (API only) with the default DPD boundaries, or with one on the first day of a miss."""
    async with servicing_app(platform, dpd_boundaries=request.param) as app:
        yield app


async def planned_for(servicing, day: date) -> dict:
    settings = servicing.app.state.servicing.settings
    async with servicing.app.state.kernel.db.acquire() as conn:
        overdue = await dayclose_sql.overdue_loans(conn, day, settings.penalty_daily_rate)
        due = await dayclose_sql.due_on(conn, day + timedelta(days=settings.reminder_days_before))
    return plan_day(day, overdue, due, settings.dpd_boundaries)


async def written_on(servicing, day: date) -> list[dict]:
    async with servicing.app.state.kernel.db.acquire() as conn:
        rows = await conn.fetch(
            """SELECT e.stream_id, e.envelope, o.key, o.payload FROM events e JOIN outbox o USING (position)
               WHERE e.envelope->>'businessdate' = $1 AND e.stream_id LIKE 'loan-%' ORDER BY e.position""",
            day.isoformat())
    return [dict(r) for r in rows]


async def test_each_day_the_sql_writes_what_the_domain_rules_plan(servicing):
    loans = [await servicing.disburse(method="equal_installment", due_day=20),
             await servicing.disburse(method="equal_principal", due_day=5),
             await servicing.disburse(method="interest_only", due_day=28)]
    partner = await servicing.partner()
    kinds: set[str] = set()
    day = START + timedelta(days=1)
    while day <= date(2026, 7, 25):
        if day == date(2026, 4, 25):  # the equal-principal loan pays what it owes, late
            owed = (await servicing.loan(loans[1]))["overdue"]["total"]
            assert (await servicing.pay(partner, loans[1], owed)).status_code == 201
        plan = await planned_for(servicing, day)
        [closed] = (await servicing.advance(day))["closed"]
        assert closed["loans_processed"] == len(plan.events)
        written = await written_on(servicing, day)
        for loan_id in loans:
            mine = [w["envelope"] for w in written if w["stream_id"] == f"loan-{loan_id}"]
            assert [(e["type"], e["data"]) for e in mine] == plan.events.get(loan_id, []), day
        for w in written:
            published = CloudEvent.from_json_bytes(bytes(w["payload"]))
            assert published.model_dump(mode="json", exclude_none=True) == w["envelope"]
            assert w["key"] == published.subject and published.businessdate == day
            parse_data(published)
            kinds.add(published.type)
        day += timedelta(days=1)
    assert kinds == {"loan.payment.due", "loan.payment.missed", "loan.charge.applied"}
    events = await servicing.events(loans[0])
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    boundaries = [e["data"].get("dpd_boundary") for e in events if e["type"] == "loan.payment.missed"]
    configured = servicing.app.state.servicing.settings.dpd_boundaries
    assert {b for b in boundaries if b} == {b for b in configured if b <= 96}  # DPD 96 on 25 July
