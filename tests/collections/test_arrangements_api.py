"""Arrangements through the running collections service (issue 15): propose, approval by a second person,
refusals that change nothing, the case view, the list of approvals waiting, breaking on a missed instalment
and completion on pay-off — against real PostgreSQL and the broker."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.collections.domain.arrangements import ArrangementLimits
from shared.contracts import make_event
from shared.contracts import servicing as sv
from tests.collections.test_promises_and_contacts import of_type

DUE = date(2026, 4, 20)
TODAY = DUE + timedelta(days=95)


async def case_owing(desk, servicing, loan_id: str) -> tuple[dict, dict]:
    """95 DPD: principal 3000.00 all overdue with 90.00 interest, and 450.00 of 罚息 → owed 3540.00."""
    await servicing.disbursed(loan_id)
    missed = sv.PaymentMissed(loan_id=loan_id, installment_number=3, due_date=TODAY - timedelta(days=1),
                              amount_overdue=Decimal("3090.00"), days_past_due=95, overdue_since=DUE,
                              principal_outstanding=Decimal("3000.00"), principal_overdue=Decimal("3000.00"))
    charge = sv.ChargeApplied(loan_id=loan_id, charge_id=f"c-{loan_id}", kind="penalty_interest",
                              amount=Decimal("450.00"), reason="罚息")
    await servicing.send("servicing", loan_id, *[servicing.stamp(loan_id, make_event(
        "servicing", e, subject=loan_id, businessdate=TODAY)) for e in (missed, charge)])
    case = await desk.case_of(loan_id)
    view = await desk.until(case["case_id"], lambda v: v["amount_owed"] == "3540.00")
    return view, desk.as_(view["assignee"], "collector")


def body(*amounts: str, waive: str = "0.00", kind: str = "settlement") -> dict:
    return {"kind": kind, "waive": waive,
            "instalments": [{"due_date": (TODAY + timedelta(days=30 * n)).isoformat(), "amount": a}
                            for n, a in enumerate(amounts, 1)]}


async def test_a_waiver_above_the_collectors_limit_waits_for_a_supervisor_who_is_not_the_proposer(desk, servicing):
    view, li = await case_owing(desk, servicing, "AR1")
    cid = view["case_id"]
    made = await desk.client.post(f"/v1/cases/{cid}/arrangements", headers=li,
                                  json=body("1500.00", "1950.00", waive="90.00"))
    assert made.status_code == 201, made.text
    arr = made.json()
    assert (arr["status"], arr["approver_role"], arr["owed"], arr["waive"]) == (
        "pending_approval", "collections_supervisor", "3540.00", "90.00")
    aid = arr["arrangement_id"]

    waiting = await desk.client.get("/v1/arrangements", params={"status": "pending_approval"},
                                    headers=desk.as_("wang", "credit_manager"))
    assert [a["arrangement_id"] for a in waiting.json()["items"]] == [aid]

    collector_approves = await desk.client.post(f"/v1/arrangements/{aid}/approve", headers=li)
    assert collector_approves.status_code == 403  # not an approver's role
    own = await desk.client.post(f"/v1/arrangements/{aid}/approve",
                                 headers=desk.as_(view["assignee"], "collector", "collections_supervisor"))
    assert own.status_code == 403 and own.json()["error"]["code"] == "own_proposal"
    approved = await desk.client.post(f"/v1/arrangements/{aid}/approve", headers=desk.supervisor)
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["approved_by"]) == ("approved", "chen")
    again = await desk.client.post(f"/v1/arrangements/{aid}/approve", headers=desk.as_("wang", "credit_manager"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "arrangement_not_pending"

    shown = (await desk.case(cid))["arrangements"]
    assert [(a["arrangement_id"], a["status"], [i["amount"] for i in a["instalments"]]) for a in shown] == [
        (aid, "approved", ["1500.00", "1950.00"])]
    published = await desk.published(lambda es: of_type(es, "collections.arrangement.approved", "AR1"))
    [event] = of_type(published, "collections.arrangement.approved", "AR1")
    assert event.data["waive"] == "90.00" and event.data["instalments"][1]["due_date"] == body(
        "1", "2")["instalments"][1]["due_date"]

    # the second instalment missed (servicing reports it the usual way): broken
    second = TODAY + timedelta(days=60)
    missed = sv.PaymentMissed(loan_id="AR1", installment_number=5, due_date=second, amount_overdue=Decimal("1950.00"),
                              days_past_due=1, overdue_since=second, principal_outstanding=Decimal("1860.00"),
                              principal_overdue=Decimal("1860.00"))
    await servicing.send("servicing", "AR1", servicing.stamp("AR1", make_event(
        "servicing", missed, subject="AR1", businessdate=second + timedelta(days=1))))
    broken = await desk.until(cid, lambda v: v["arrangements"][0]["status"] == "broken")
    assert broken["arrangements"][0]["missed_instalment"] == 2 and broken["overdue_since"] == DUE.isoformat()
    listed = await desk.client.get("/v1/arrangements", params={"case_id": cid}, headers=desk.supervisor)
    assert [a["status"] for a in listed.json()["items"]] == ["broken"]


async def test_refusals_change_nothing(desk, servicing):
    view, li = await case_owing(desk, servicing, "AR2")
    cid, url = view["case_id"], f"/v1/cases/{view['case_id']}/arrangements"
    for bad, code in [(body("1500.00", "1950.00"), "arrangement_total_mismatch"),
                      (body("3540.00", kind="instalment_plan"), "arrangement_plan_too_short"),
                      ({**body("3540.00"), "instalments": [{"due_date": TODAY.isoformat(), "amount": "3540.00"}]},
                       "arrangement_instalment_date"),
                      (body("100.00", "3440.00"), "arrangement_first_instalment_below_charges")]:
        refused = await desk.client.post(url, headers=li, json=bad)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == code, refused.text
    for malformed in [body("1770.005", "1770.00"), body("1770.0", "1770.0", waive=1.5), {"kind": "loan"}]:
        assert (await desk.client.post(url, headers=li, json=malformed)).status_code == 422
    other = await desk.client.post(url, headers=desk.as_("someone-else", "collector"), json=body("3540.00"))
    assert other.status_code == 403
    assert (await desk.client.post("/v1/arrangements/arr-none/approve", headers=desk.supervisor)).status_code == 404
    assert (await desk.case(cid))["arrangements"] == []
    assert (await desk.client.get("/v1/arrangements", params={"case_id": cid},
                                  headers=desk.supervisor)).json()["items"] == []


async def test_within_the_proposers_limit_at_once_and_completed_when_paid_off(desk, servicing):
    view, li = await case_owing(desk, servicing, "AR3")
    cid = view["case_id"]
    plan = await desk.client.post(f"/v1/cases/{cid}/arrangements", headers=li,
                                  json=body("1180.00", "1180.00", "1180.00", kind="instalment_plan"))
    assert plan.status_code == 201 and plan.json()["status"] == "approved", plan.text
    assert plan.json()["within_proposer_limit"] is True
    for n in (1, 2):
        await servicing.paid("AR3", "1180.00", TODAY + timedelta(days=30 * n), status="current")
    await servicing.paid_off("AR3", TODAY + timedelta(days=90))
    closed = await desk.until(cid, lambda v: v["status"] == "closed")
    a = closed["arrangements"][0]
    assert (closed["resolution"], a["status"], a["recovered"]) == ("paid_off", "completed", "2360.00")


def test_limits_come_from_configuration(monkeypatch):
    from services.collections.config import CollectionsSettings
    monkeypatch.setenv("LOANFLOW_COLLECTIONS_ARRANGEMENT_SUPERVISOR_SHARE", "0.10")
    monkeypatch.setenv("LOANFLOW_COLLECTIONS_ARRANGEMENT_CREDIT_MANAGER_LIMIT", "20000")
    limits = CollectionsSettings().arrangement_limits()
    assert limits == ArrangementLimits(supervisor_share=Decimal("0.10"), credit_manager=Decimal("20000"))


async def test_servicing_declining_the_approved_plan_shows_on_the_case_and_in_the_list(desk, servicing):
    from shared.contracts.arrangements import LoanArrangementDeclined

    view, li = await case_owing(desk, servicing, "AR4")
    cid = view["case_id"]
    made = await desk.client.post(f"/v1/cases/{cid}/arrangements", headers=li,
                                  json=body("1180.00", "1180.00", "1180.00", kind="instalment_plan"))
    assert made.status_code == 201 and made.json()["status"] == "approved", made.text
    aid = made.json()["arrangement_id"]
    fact = LoanArrangementDeclined(loan_id="AR4", arrangement_id=aid, case_id=cid, reason="plan_no_longer_fits",
                                   owed_now=Decimal("1000.00"), planned=Decimal("3540.00"),
                                   last_instalment=Decimal("1180.00"), adjustment=Decimal("-2540.00"),
                                   declined_on=TODAY)
    await servicing.send("servicing", "AR4", servicing.stamp("AR4", make_event(
        "servicing", fact, subject="AR4", businessdate=TODAY)))
    shown = await desk.until(cid, lambda v: v["arrangements"][0]["status"] == "declined")
    a = shown["arrangements"][0]
    assert (a["decline_reason"], a["owed_now"], a["planned"], a["declined_on"]) == (
        "plan_no_longer_fits", "1000.00", "3540.00", TODAY.isoformat())
    listed = await desk.client.get("/v1/arrangements", params={"status": "declined"}, headers=desk.supervisor)
    assert [x["arrangement_id"] for x in listed.json()["items"]] == [aid]
    published = await desk.published(lambda es: of_type(es, "collections.arrangement.declined", "AR4"))
    assert of_type(published, "collections.arrangement.declined", "AR4")[0].data["reason"] == "plan_no_longer_fits"
