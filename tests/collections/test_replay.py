"""A busy portfolio replayed: every case's stream, folded, gives the state its `cases` row holds.

Three hundred loans miss their 20 April installment on one day (the set-based batch path opens
their cases); collectors promise, call, write and visit, tag, report fraud and deaths, trace the
unreachable, dispute, escalate and reassign; borrowers pay in part, in full, late or never;
servicing pays some off and writes some off; day-closes run to the mid and back stages, the
aged write-off proposal, the statute warning and its expiry.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from typing import Any

from services.collections.domain.history import DATED, UNDATED
from shared.contracts import make_event
from shared.contracts.arrangements import LoanArrangementDeclined
from shared.contracts.collections import CaseOpened
from tests.collections.conftest import Desk, Servicing, desk_streams_fold_to_rows

APRIL_21 = date(2026, 4, 21)
LOANS = [f"P{n:03d}" for n in range(300)]
BEHAVIOURS = ["hostile", "evasive", "victim", "confident", "stubborn", "sophisticated"]


async def send(desk: Desk, servicing: Servicing, events: list[Any]) -> None:
    """Publish servicing's events, each keyed by its loan, and wait until collections handled them all."""
    await servicing.send("servicing", None, *events)
    await desk.handled({e.id for e in events})


async def close_days(desk: Desk, servicing: Servicing, *days: date) -> None:
    await send(desk, servicing, [servicing.day_closed_event(day) for day in days])


async def all_cases(desk: Desk) -> list[dict[str, Any]]:
    """Every case in the list's summary form, page after page."""
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = await desk.client.get("/v1/cases", params={"limit": 500, **({"cursor": cursor} if cursor else {})},
                                  headers=desk.supervisor)
        assert r.status_code == 200, r.text
        out += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return out


async def act(desk: Desk, rng: random.Random, case: dict[str, Any], n: int) -> None:
    """What the desk does with the n-th case on its first day; refusals (409/422) are part of the story."""
    cid, chen, wu = case["case_id"], desk.supervisor, desk.as_("wu", "legal")
    post = desk.client.post
    kind = n % 10
    if kind in (0, 1):  # a promise: 0 will be broken (or part-paid), 1 kept
        r = await post(f"/v1/cases/{cid}/promises", headers=chen,
                       json={"amount": "600.00" if kind else "300.00", "promised_date": "2026-04-24"})
    elif kind == 2:
        r = await post(f"/v1/cases/{cid}/tags", headers=chen, json={"behaviour": rng.choice(BEHAVIOURS)})
    elif kind == 3:
        r = await post(f"/v1/cases/{cid}/fraud", headers=chen, json={"reason": "ID card reported stolen"})
        # legal reports it to the police (经侦); half the cases also go to court (a pending suit keeps the time bar off)
        r = await post(f"/v1/cases/{cid}/legal-actions", headers=wu, json={"kind": "police_report", "on": "2026-04-21"})
        if n % 20 == 3:
            r = await post(f"/v1/cases/{cid}/legal-actions", headers=wu, json={
                "kind": "filing", "on": "2026-04-21", "reference": f"(2026)沪0115民初{n}号", "cost": "25.00"})
    elif kind == 4:
        r = await post(f"/v1/cases/{cid}/skip-trace", headers=chen, json={"reason": "number dead"})
    elif kind == 5:
        await post(f"/v1/cases/{cid}/deceased", headers=chen, json={"reason": "neighbour says he died"})
        await post(f"/v1/cases/{cid}/deceased/verification", headers=wu,
                   json={"confirmed": n % 20 != 15, "evidence": "death certificate"})
        r = await post(f"/v1/cases/{cid}/deceased/path", headers=wu,
                       json={"path": "write_off" if n % 40 == 5 else "estate_repayment"})
        if n % 40 == 5:
            r = await post(f"/v1/cases/{cid}/write-off", headers=wu, json={"reason": "deceased, no estate"})
    elif kind == 6:
        await post(f"/v1/cases/{cid}/disputes", headers=chen, json={"reason": "says it was repaid in cash"})
        r = await post(f"/v1/cases/{cid}/disputes/resolve", headers=wu, json={"resolution": "receipt forged"}) \
            if n % 20 == 6 else None
    elif kind == 7:
        r = await post(f"/v1/cases/{cid}/escalate", headers=chen,
                       json={"reason": "refuses to talk", **({"to_stage": "back"} if n % 20 == 7 else {})})
    elif kind == 8:
        for channel, outcome in (("phone", "no_answer"), ("letter", "notice_signed"),
                                 ("phone", rng.choice(["wrong_number", "right_party_contact", "dispute"]))):
            await post(f"/v1/cases/{cid}/contacts", headers=chen, json={"channel": channel, "outcome": outcome})
        found = await post(f"/v1/cases/{cid}/contact-points", headers=chen,
                           json={"kind": "address", "value": f"上海市徐汇区漕溪北路{n}号", "source": "trace"})
        await post(f"/v1/cases/{cid}/contacts", headers=chen, json={
            "channel": "visit", "outcome": rng.choice(["address_invalid", "met_borrower", "moved"]),
            "target": found.json()["point_id"], "reason": "job_loss"})
        complaint = await post(f"/v1/cases/{cid}/complaints", headers=chen,
                               json={"category": "collector_conduct", "description": "called at lunch"})
        answered = await post(f"/v1/complaints/{complaint.json()['complaint_id']}/resolve", headers=wu,
                              json={"resolution": "apologised"}) if n % 20 == 8 else complaint
        assert answered.status_code in (200, 201), answered.text  # a complaint is taken, dispute or not
        r = await post(f"/v1/cases/{cid}/letters", headers=chen, json={"template": "demand_notice", "registered": True})
        if r.status_code == 201:  # signed for on the day it was sent, or returned by the post
            letter = (await desk.client.get(f"/v1/cases/{cid}/letters", headers=chen)).json()["items"][-1]
            r = await post(f"/v1/cases/{cid}/letters/{letter['letter_id']}/delivered", headers=chen,
                           json={"on": letter["sent_on"]}) if n % 20 == 8 else \
                await post(f"/v1/cases/{cid}/letters/{letter['letter_id']}/returned", headers=chen, json={})
    else:
        r = await post(f"/v1/cases/{cid}/assign", headers=chen,
                       json={"collector": "zhao", "queue": rng.choice(["front", "mid", "legal"])})
    assert r is None or r.status_code in (200, 201, 409, 422), r.text


ARRANGED = {"P009": "approved_then_broken", "P019": "rejected", "P039": "at_once_then_paid_off",
            "P029": "approved_then_declined"}
INSTALMENTS = [{"due_date": "2026-05-10", "amount": "5000.00"}, {"due_date": "2026-06-10", "amount": "5000.00"}]


async def arrange(desk: Desk, cases: dict[str, Any]) -> dict[str, str]:
    """Arrangements on four cases (owed 11,000.00 each): settlements waiting for a credit manager (one to break,
    one servicing will decline), one rejected, and a supervisor's (waiving 1,000.00) within their own limit.
    Answers the arrangement ids by loan."""
    ids = {}
    for loan, story in ARRANGED.items():
        body = {"kind": "settlement", "instalments": INSTALMENTS, "waive": "1000.00"}
        who = desk.as_("lin", "collections_supervisor") if story.startswith("at_once") else desk.as_(
            "zhao", "collector")  # the case's collector (act() assigned it): no waiver within their limit
        made = await desk.client.post(f"/v1/cases/{cases[loan]['case_id']}/arrangements", headers=who, json=body)
        assert made.status_code == 201, made.text
        ids[loan] = aid = made.json()["arrangement_id"]
        if story == "rejected":
            r = await desk.client.post(f"/v1/arrangements/{aid}/reject", headers=desk.supervisor,
                                       json={"reason": "waiver too large"})
            assert r.json()["status"] == "rejected", r.text
        elif story.startswith("approved_then"):
            r = await desk.client.post(f"/v1/arrangements/{aid}/approve", headers=desk.as_("wang", "credit_manager"))
            assert r.json()["status"] == "approved", r.text
    return ids


async def test_every_case_stream_of_a_busy_portfolio_folds_to_its_row(desk: Desk, servicing: Servicing):
    rng = random.Random(20260421)
    await send(desk, servicing, [servicing.missed_event(loan, 1) for loan in LOANS])
    cases = {c["loan_id"]: c for c in await all_cases(desk)}
    assert len(cases) == len(LOANS)
    for n, loan in enumerate(LOANS):
        await act(desk, rng, cases[loan], n)
    ids = await arrange(desk, cases)

    payments = []
    for n, loan in enumerate(LOANS):
        if n % 10 == 1:  # the promise kept, by the promised date
            payments.append(servicing.paid_event(loan, "600.00", date(2026, 4, 23)))
        elif n % 20 == 0:  # part of the promise: partial, not kept
            payments.append(servicing.paid_event(loan, "100.00", date(2026, 4, 23)))
        elif n % 30 == 12:  # cured
            payments.append(servicing.paid_event(loan, "1066.19", date(2026, 4, 23), status="current"))
    await send(desk, servicing, payments)
    await close_days(desk, servicing, date(2026, 4, 25))

    later = [servicing.missed_event(loan, 30, amount="2132.38") for n, loan in enumerate(LOANS) if n % 3 == 0]
    stale = [servicing.missed_event(loan, 2, sequence=1) for n, loan in enumerate(LOANS) if n % 7 == 0]
    await send(desk, servicing, later + stale)
    await close_days(desk, servicing, date(2026, 5, 21), date(2026, 7, 20))
    declined = LoanArrangementDeclined(  # paid down before servicing saw the approval: the plan no longer fits
        loan_id="P029", arrangement_id=ids["P029"], case_id=cases["P029"]["case_id"], reason="plan_no_longer_fits",
        owed_now=Decimal("4000.00"), planned=Decimal("11000.00"), last_instalment=Decimal("5000.00"),
        adjustment=Decimal("-7000.00"), declined_on=date(2026, 4, 21))
    await send(desk, servicing, [servicing.missed_event("P009", 1, due=date(2026, 5, 10)),  # the instalment missed
                                 servicing.paid_off_event("P039", date(2026, 6, 10)),
                                 servicing.stamp("P029", make_event("servicing", declined, subject="P029",
                                                                    businessdate=date(2026, 7, 20)))])

    finished = []
    for n, loan in enumerate(LOANS):
        if n % 50 == 13:
            finished.append(servicing.paid_off_event(loan, date(2026, 8, 1)))
        elif n % 40 == 5:
            finished.append(servicing.written_off_event(loan, date(2026, 8, 1), cases[loan]["case_id"]))
    await send(desk, servicing, finished)
    await send(desk, servicing, [servicing.paid_event(loan, "50.00", date(2026, 8, 2)) for n, loan in
                                 enumerate(LOANS) if n % 40 == 5])  # recovered after the write-off
    for n, loan in enumerate(LOANS):
        if n % 10 == 8:
            await desk.client.post(f"/v1/cases/{cases[loan]['case_id']}/statute/restart", headers=desk.supervisor,
                                   json={"kind": "acknowledgement", "on": "2026-07-20", "evidence": "signed"})
    await close_days(desk, servicing, date(2028, 4, 20), date(2029, 1, 25), date(2029, 4, 21))

    views = await all_cases(desk)
    seen = {(v["status"], v["stage"], v["special_status"]) for v in views}
    assert {("closed", "front", "none"), ("closed", "back", "deceased_verified"), ("open", "back", "none"),
            ("open", "back", "fraud"), ("open", "back", "unreachable")} <= seen
    async with desk.app.state.kernel.db.acquire() as conn:
        recorded = {r["type"] for r in await conn.fetch("SELECT DISTINCT type FROM events")}
    every_step = {t.event_type for t in (*DATED, *UNDATED, CaseOpened)}
    assert every_step - recorded == set()  # the run recorded every event type a case stream holds
    assert await desk_streams_fold_to_rows(desk.app) == len(LOANS)
