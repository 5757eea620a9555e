"""Scale-out: two replicas of every service (two relays each; collections and reporting replicas in
one consumer group). One replica each of servicing, collections and reporting is SIGKILLed while
day-close events stream; every event must still take effect exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta

from loanflow.client import LoanflowClient, wait_for
from loanflow.stories import loan_timeline
from loanflow.world import ANALYST, SUPERVISOR, World
from shared.config import SERVICES

LOANS = 24
DAYS_OVERDUE = 40


async def test_killing_replicas_mid_stream_loses_and_duplicates_nothing(system):
    second = {service: system.start(service) for service in SERVICES}
    system.wait_ready()
    client = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        world = World(client, await client.add_partner("bank-scale"), seed=11)
        for n in range(LOANS):
            await world.originate(f"L{n}", amount="12000.00", n=500 + n, behaviour="never")
        await world.await_schedules()
        first_due = min(date.fromisoformat(loan.schedule[0]["due_date"]) for loan in world.loans.values())
        closing = asyncio.create_task(world.advance_to(first_due + timedelta(days=DAYS_OVERDUE)))
        await wait_for(lambda: _some_cases(client), "the first cases while day-close streams", 60, 0.05)
        for service in ("servicing", "collections", "reporting"):
            system.kill(second[service])  # SIGKILL: no goodbye to the group, no relay cleanup
        await closing
        today = await world.today()

        behind: list[str] = []

        async def one_mid_case_each_at_todays_dpd() -> bool:
            """Exactly one case per loan, mid-stage, its DPD refreshed by the last day-close."""
            behind.clear()
            for key, loan in world.loans.items():
                page = await client.get("collections", "/v1/cases", SUPERVISOR, params={"loan_id": loan.loan_id})
                if len(page["items"]) > 1:
                    raise AssertionError(f"{key}: {len(page['items'])} cases for one episode")
                dpd = (await world.loan(key))["days_past_due"]
                if not page["items"] or page["items"][0]["stage"] != "mid" or page["items"][0]["days_past_due"] != dpd:
                    behind.append(f"{key}: {page['items'][:1]} loan dpd {dpd}")
            return not behind

        try:
            await wait_for(one_mid_case_each_at_todays_dpd, "one mid-stage case per loan at today's DPD", 90, 0.5)
        except AssertionError:
            raise AssertionError("collections behind: " + "; ".join(behind[:3]))

        async def reporting_caught_up() -> dict | None:
            report = await client.get("reporting", "/v1/reports/delinquency", ANALYST,
                                      params={"as_of": today.isoformat()})
            caught_up = report["by_bucket"]["31-60"]["count"] == LOANS and report["by_stage"]["mid"]["count"] == LOANS
            return report if caught_up else None

        await wait_for(reporting_caught_up, "reporting to see every loan 31-60 DPD and mid-stage", 90, 0.5)
        portfolio = await client.get("reporting", "/v1/reports/portfolio", ANALYST, params={"as_of": today.isoformat()})
        assert portfolio["loans_disbursed"]["count"] == LOANS
        for key in world.loans:
            view = await world.loan(key)
            case = (await client.get("collections", "/v1/cases", SUPERVISOR,
                                     params={"loan_id": world.loans[key].loan_id}))["items"][0]
            case_view = await client.get("collections", f"/v1/cases/{case['case_id']}", SUPERVISOR)
            stages = [e["data"]["stage"] if e["type"] == "collections.case.opened" else e["data"]["to_stage"]
                      for e in case_view["timeline"]
                      if e["type"] in ("collections.case.opened", "collections.case.escalated")]
            # opened front then escalated once, or (opened late, after the day-closes) opened at mid
            assert stages in (["front", "mid"], ["mid"]), f"{key}: stages {stages}"

            async def full_timeline(k: str = key, dpd: int = view["days_past_due"]) -> list | None:
                events = await loan_timeline(world, k)
                penalties = [e for e in events if e["type"] == "loan.charge.applied"]
                return events if len(penalties) >= dpd else None

            events = await wait_for(full_timeline, f"{key}: reporting's timeline", 60, 0.5)
            ids = Counter(e["event_id"] for e in events)
            assert [i for i, n in ids.items() if n > 1] == [], f"{key}: duplicated events in reporting"
            penalties = [e for e in events if e["type"] == "loan.charge.applied"]
            assert len(penalties) == view["days_past_due"], "one penalty accrual per overdue day, none lost"
    finally:
        await client.close()


async def _some_cases(client: LoanflowClient) -> bool:
    page = await client.get("collections", "/v1/cases", SUPERVISOR, params={"limit": 1})
    return bool(page["items"])
