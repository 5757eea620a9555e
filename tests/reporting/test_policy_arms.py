"""GET /v1/reports/policy-arms on a seeded book through the real broker matches an independent count,
before and after a rebuild from the topics; a v1 case (before arms) counts as champion."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from loanflow.testing import bearer, eventually, running
from services.collections.domain.arms import arm_for
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.contracts import CloudEvent, make_event
from shared.contracts import collections as c
from tests.reporting.helpers import READER, handled, publish

pytestmark = pytest.mark.integration
START, END = date(2026, 3, 1), date(2026, 4, 30)


@dataclass
class Seeded:
    case_id: str
    arm: str
    opened_on: date
    outcomes: list[tuple[str, date, Decimal]] = field(default_factory=list)  # (kind, day, amount)


def seeded_book(n: int = 160, seed: int = 17) -> tuple[list[Seeded], list[tuple[str, CloudEvent]]]:
    """Cases opened from mid-February to mid-May; a third to the challenger; random outcomes over 60 days."""
    rng = random.Random(seed)
    cases, events = [], []
    for i in range(n):
        loan = f"L{i:04d}"
        ids = {"case_id": f"{loan}-E1", "loan_id": loan}
        opened = date(2026, 2, 15) + timedelta(days=rng.randrange(90))
        case = Seeded(ids["case_id"], arm_for(ids["case_id"], 0.33), opened)
        data = c.CaseOpened(**ids, stage="front", days_past_due=1, amount_overdue=Decimal("900.00"), opened_on=opened,
                            arm=case.arm)
        event = make_event("collections", data, subject=loan, businessdate=opened)
        if i == 0:  # recorded before arms existed: version 1, no arm (upcast: champion)
            case.arm = "champion"
            event = event.model_copy(update={"dataschemaversion": 1,
                                             "data": {k: v for k, v in event.data.items() if k != "arm"}})
        events.append(event)
        for n_contact in range(rng.randrange(5)):
            day = opened + timedelta(days=rng.randrange(60))
            case.outcomes.append(("contact", day, Decimal(0)))
            events.append(make_event("collections", c.ContactLogged(
                **ids, contact_id=f"{loan}-c{n_contact}", channel=rng.choice(["phone", "sms", "visit"]),
                outcome="no_answer", collector="col-1", contacted_at=datetime(day.year, day.month, day.day, 3,
                                                                               tzinfo=UTC)),
                subject=loan, businessdate=day))
        if rng.random() < 0.5:
            made, due = opened + timedelta(days=rng.randrange(20)), opened + timedelta(days=25)
            judged_on = due + timedelta(days=1)
            promise = dict(**ids, promise_id=f"{loan}-p", amount=Decimal("500.00"), promised_date=due)
            events.append(make_event("collections", c.PromiseMade(**promise, collector="col-1"), subject=loan,
                                     businessdate=made))
            if rng.random() < (0.6 if case.arm == "challenger" else 0.4):
                case.outcomes.append(("kept", judged_on, Decimal(0)))
                events.append(make_event("collections", c.PromiseKept(**promise, paid_amount=Decimal("500.00")),
                                         subject=loan, businessdate=judged_on))
            else:
                case.outcomes.append(("broken", judged_on, Decimal(0)))
                events.append(make_event("collections", c.PromiseBroken(**promise, paid_amount=Decimal("0.00"),
                                                                        broken_count=1), subject=loan,
                                         businessdate=judged_on))
        for n_pay in range(rng.randrange(3)):
            day, amount = opened + timedelta(days=rng.randrange(60)), Decimal(rng.randrange(1, 90000)) / 100
            case.outcomes.append(("recovered", day, amount))
            events.append(make_event("collections", c.RecoveryAttributed(
                **ids, payment_id=f"{loan}-pay{n_pay}", collector="col-1", amount=amount,
                commission=(amount / 10).quantize(Decimal("0.01")), stage="front"), subject=loan, businessdate=day))
        ending = rng.random()
        day = opened + timedelta(days=rng.randrange(1, 60))
        if ending < 0.35:
            case.outcomes.append(("cured", day, Decimal(0)))
            events.append(make_event("collections", c.CaseResolved(
                **ids, resolution=rng.choice(["cured", "paid_off"]), resolved_on=day, stage="front"),
                subject=loan, businessdate=day))
        elif ending < 0.7:
            case.outcomes.append(("rolled", day, Decimal(0)))
            events.append(make_event("collections", c.CaseEscalated(
                **ids, from_stage="front", to_stage="mid", reason="days_past_due_crossed"), subject=loan,
                businessdate=day))
        cases.append(case)
    return cases, [("collections", e) for e in events]


def independent_count(cases: list[Seeded], arm: str) -> dict[str, object]:
    cohort = [s for s in cases if s.arm == arm and START <= s.opened_on <= END]

    def count(kind: str) -> int:
        return sum(1 for s in cohort for k, day, _ in s.outcomes if k == kind and day <= END)

    def cases_with(kind: str) -> int:
        return sum(1 for s in cohort if any(k == kind and day <= END for k, day, _ in s.outcomes))

    recovered = sum((a for s in cohort for k, day, a in s.outcomes if k == "recovered" and day <= END), Decimal(0))
    return {"cases": len(cohort), "cured": cases_with("cured"), "rolled": cases_with("rolled"),
            "recovered": f"{recovered:.2f}", "contacts": count("contact"), "kept": count("kept"),
            "judged": count("kept") + count("broken")}


def as_counted(arm: dict[str, object]) -> dict[str, object]:
    rates = {k: arm[k] for k in ("cure_rate", "roll_rate", "promise_kept_rate")}
    assert all(r["low"] <= r["rate"] <= r["high"] for r in rates.values() if r["of"])  # type: ignore[index]
    return {"cases": arm["cases"], "cured": rates["cure_rate"]["count"], "rolled": rates["roll_rate"]["count"],
            "recovered": arm["recovered"], "contacts": arm["contacts"],
            "kept": rates["promise_kept_rate"]["count"], "judged": rates["promise_kept_rate"]["of"]}


async def test_the_arms_report_on_a_seeded_book_matches_an_independent_count(platform, _drop_platform_dbs):
    cases, events = seeded_book()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, events)
        await eventually(lambda: _handled_all(app, len(events)), timeout=60)
        headers = bearer(app, *READER)
        answer = await client.get(f"/v1/reports/policy-arms?from={START}&to={END}", headers=headers)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        for arm in ("champion", "challenger"):
            assert as_counted(report["arms"][arm]) == independent_count(cases, arm)
        assert report["arms"]["challenger"]["cases"] > 20 and report["arms"]["champion"]["cases"] > 40
        diff = report["difference"]["cure_rate"]
        assert Decimal(diff["low"]) <= Decimal(diff["difference"]) <= Decimal(diff["high"])
        for key in ("recovered_per_case", "contacts_per_case"):
            gap = report["difference"][f"{key}_interval"]
            assert Decimal(gap["low"]) <= Decimal(gap["difference"]) <= Decimal(gap["high"])
            # the interval's centre is the unrounded means' difference; the plain one that of the rounded means
            assert abs(Decimal(gap["difference"]) - Decimal(report["difference"][key])) <= Decimal("0.01")
            for arm in ("champion", "challenger"):
                mean = report["arms"][arm][f"{key}_interval"]
                assert Decimal(mean["low"]) <= Decimal(report["arms"][arm][key]) == Decimal(mean["mean"]) \
                    <= Decimal(mean["high"])

        await rebuild(platform, ReportingSettings(), source="topics")
        again = await client.get(f"/v1/reports/policy-arms?from={START}&to={END}", headers=headers)
        assert again.json() == report
        refused = await client.get("/v1/reports/policy-arms?from=2026-05-01&to=2026-04-01", headers=headers)
        assert refused.status_code == 400


async def _handled_all(app, count: int) -> bool:
    return await handled(app) >= count
