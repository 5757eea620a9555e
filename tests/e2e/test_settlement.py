"""Issue 15's settlement end to end, through four `loanflow serve` processes (real PostgreSQL and broker):
a borrower 95 days past due agrees a settlement (减免) waiving 20% of his charges; the collector's own limit is
too low, so it waits for a second approver — not the collector — and a supervisor approves it; servicing
honours it (the waiver, two instalments as the loan's due dates); he pays both instalments through his bank and
the loan closes paid off; the waiver shows in the loan's timeline and in the collections report. And a plan a
payment made unfit between its proposal and its approval: servicing declines it, and says so to collections and
reporting.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanflow.client import wait_for
from loanflow.world import ANALYST, OPS, SUPERVISOR
from tests.e2e.test_reaching_the_borrower import open_case, originate

FIRST_DUE = date(2026, 4, 20)
DAY_95 = FIRST_DUE + timedelta(days=95)
CENT = Decimal("0.01")


async def test_a_95_dpd_borrower_settles_with_a_waiver_a_supervisor_approves_and_pays_it_off(client):
    c = client
    loan_id = await originate(c)
    await wait_for(lambda: c.call("GET", "servicing", f"/v1/loans/{loan_id}/schedule", OPS, expect=(200, 404)),
                   "the loan's schedule", 60)
    await c.advance(DAY_95.isoformat())
    loan = await c.get("servicing", f"/v1/loans/{loan_id}", OPS)
    assert loan["days_past_due"] == 95
    overdue = loan["overdue"]
    charges = Decimal(overdue["penalty_interest"]) + Decimal(overdue["charges"])
    owed = Decimal(loan["principal_outstanding"]) + Decimal(overdue["interest"]) + charges
    assert charges > 0

    async def caught_up() -> dict[str, Any] | None:  # collections has heard every charge of the 95 days
        case = await open_case(c, loan_id)
        return case if case and case["days_past_due"] == 95 and Decimal(case["amount_owed"]) == owed else None

    case = await wait_for(caught_up, "the case owing what servicing says", 90)
    cid, collector = case["case_id"], (case["assignee"], "collector")

    # the settlement: 20% of the charges waived, the rest in two instalments
    waive = (charges * Decimal("0.20")).quantize(CENT)
    first = ((owed - waive) / 2).quantize(CENT)
    second = owed - waive - first
    due_1, due_2 = DAY_95 + timedelta(days=10), DAY_95 + timedelta(days=40)
    proposal = await c.post("collections", f"/v1/cases/{cid}/arrangements", collector, {
        "kind": "settlement", "waive": f"{waive:.2f}",
        "instalments": [{"due_date": due_1.isoformat(), "amount": f"{first:.2f}"},
                        {"due_date": due_2.isoformat(), "amount": f"{second:.2f}"}]}, expect=201)
    assert (proposal["status"], proposal["approver_role"]) == ("pending_approval", "collections_supervisor")
    aid = proposal["arrangement_id"]
    await c.post("collections", f"/v1/arrangements/{aid}/approve", collector, expect=403)  # not an approver
    own = await c.post("collections", f"/v1/arrangements/{aid}/approve", (case["assignee"], "collections_supervisor"),
                       expect=403)
    assert own["error"]["code"] == "own_proposal"
    waiting = await c.get("collections", "/v1/arrangements", SUPERVISOR, params={"status": "pending_approval"})
    assert [a["arrangement_id"] for a in waiting["items"]] == [aid]
    approved = await c.post("collections", f"/v1/arrangements/{aid}/approve", SUPERVISOR, expect=200)
    assert (approved["status"], approved["approved_by"]) == ("approved", SUPERVISOR[0])

    # servicing honours it: the waiver taken off the charges, the instalments the loan's due dates
    async def honoured() -> dict[str, Any] | None:
        view = await c.get("servicing", f"/v1/loans/{loan_id}", OPS)
        return view if view["status"] == "current" else None

    await wait_for(honoured, "servicing honouring the arrangement", 60)
    schedule = await c.get("servicing", f"/v1/loans/{loan_id}/schedule", OPS)
    arranged = [i for i in schedule["installments"] if i["status"] != "arranged"]
    assert [(i["due_date"], i["status"]) for i in arranged] == [(due_1.isoformat(), "upcoming"),
                                                                (due_2.isoformat(), "upcoming")]

    # he pays both instalments on their due dates through his bank: the loan is paid off
    partner = await c.add_partner("bank-e2e15")
    for due, amount in ((due_1, first), (due_2, second)):
        await c.advance(due.isoformat())
        paid = await c.repay(partner, loan_id, f"{amount:.2f}")
        assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "paid_off"

    async def completed() -> dict[str, Any] | None:
        view = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
        return view if view["status"] == "closed" else None

    closed = await wait_for(completed, "the case closed", 60)
    [settled] = closed["arrangements"]
    assert (closed["resolution"], settled["status"], Decimal(settled["recovered"])) == (
        "paid_off", "completed", owed - waive)
    assert owed == Decimal(settled["recovered"]) + waive  # balance before = after (0) + waived + paid

    # the waiver in the loan's timeline and the collections report
    async def reported() -> dict[str, Any] | None:
        report = await c.get("reporting", "/v1/reports/collections", ANALYST,
                             params={"from": DAY_95.isoformat(), "to": due_2.isoformat()})
        figures = report["arrangements"]
        return report if figures["completed"] == 1 and Decimal(figures["recovered"]) == owed - waive else None

    report = (await wait_for(reported, "the arrangement in the collections report", 60))["arrangements"]
    assert (report["proposed"], report["approved"], report["broken"], report["pending_approval"]) == (1, 1, 0, 0)
    assert report["waived"] == {"total": f"{waive:.2f}", "charges": f"{waive:.2f}", "interest": "0.00",
                                "principal": "0.00"}
    assert Decimal(report["recovered"]) == owed - waive
    items, cursor = [], None
    while True:  # every page of the loan's timeline
        page = await c.get("reporting", f"/v1/loans/{loan_id}/timeline", ANALYST,
                           params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    types = [e["type"] for e in items]
    applied = next(e for e in items if e["type"] == "loan.arrangement.applied")
    assert applied["data"]["waived"]["charges"] == f"{waive:.2f}"
    assert types.index("collections.arrangement.approved") < types.index("loan.arrangement.applied") < types.index(
        "loan.paid_off")


async def test_a_payment_before_the_approval_leaves_the_plan_unfit_servicing_declines_it_and_everyone_sees_it(
        client):
    """21 April, one day past due: the collector proposes a settlement (1.00 waived, the last instalment 100.00)
    that waits for a supervisor; the borrower pays 150.00 through his bank meanwhile; the supervisor approves.
    Servicing cannot lay the plan on the loan (the last instalment would take −150.00): it records
    `loan.arrangement.declined` with what is owed now against what was planned, the loan keeps its terms,
    collections shows the arrangement declined (no plan in place), and the collections report counts it."""
    c = client
    loan_id = await originate(c)
    async def built() -> dict[str, Any] | None:
        answer = await c.call("GET", "servicing", f"/v1/loans/{loan_id}/schedule", OPS, expect=(200, 404))
        return answer if "installments" in answer else None

    schedule = await wait_for(built, "the loan's schedule", 60)
    opened_on = date.fromisoformat(schedule["installments"][0]["due_date"]) + timedelta(days=1)
    await c.advance(opened_on.isoformat())

    async def owing() -> tuple[dict[str, Any], Decimal] | None:
        loan = await c.get("servicing", f"/v1/loans/{loan_id}", OPS)
        overdue = loan["overdue"]
        owed = (Decimal(loan["principal_outstanding"]) + Decimal(overdue["interest"])
                + Decimal(overdue["penalty_interest"]) + Decimal(overdue["charges"]))
        case = await open_case(c, loan_id)
        return (case, owed) if case and Decimal(case["amount_owed"]) == owed else None

    case, owed = await wait_for(owing, "the case owing what servicing says", 90)
    cid, collector = case["case_id"], (case["assignee"], "collector")
    waive, last = Decimal("1.00"), Decimal("100.00")
    proposal = await c.post("collections", f"/v1/cases/{cid}/arrangements", collector, {
        "kind": "settlement", "waive": f"{waive:.2f}",
        "instalments": [{"due_date": (opened_on + timedelta(days=10)).isoformat(),
                         "amount": f"{owed - waive - last:.2f}"},
                        {"due_date": (opened_on + timedelta(days=40)).isoformat(), "amount": f"{last:.2f}"}]},
        expect=201)
    assert proposal["status"] == "pending_approval"
    paid = await c.repay(await c.add_partner("bank-e2e15-declined"), loan_id, "150.00")
    assert paid.status_code == 201, paid.text
    await c.post("collections", f"/v1/arrangements/{proposal['arrangement_id']}/approve", SUPERVISOR, expect=200)

    async def declined() -> dict[str, Any] | None:
        view = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
        return view if view["arrangements"][0]["status"] == "declined" else None

    view = await wait_for(declined, "collections told that servicing declined the arrangement", 60)
    [arrangement] = view["arrangements"]
    assert (arrangement["decline_reason"], Decimal(arrangement["owed_now"]), Decimal(arrangement["planned"])) == (
        "plan_no_longer_fits", owed - Decimal("150.00"), owed)
    loan = await c.get("servicing", f"/v1/loans/{loan_id}", OPS)
    schedule = await c.get("servicing", f"/v1/loans/{loan_id}/schedule", OPS)
    assert loan["status"] == "overdue" and "arranged" not in {i["status"] for i in schedule["installments"]}

    async def reported() -> dict[str, Any] | None:
        report = await c.get("reporting", "/v1/reports/collections", ANALYST,
                             params={"from": opened_on.isoformat(), "to": opened_on.isoformat()})
        return report["arrangements"] if report["arrangements"]["declined"] == 1 else None

    figures = await wait_for(reported, "the declined arrangement in the collections report", 60)
    assert (figures["proposed"], figures["approved"], figures["pending_approval"], figures["waived"]["total"]) == (
        1, 1, 0, "0.00")
