"""Agency placements through the running service (PostgreSQL + broker): place, refusals that change nothing,
a payment credited to the agency with its fee, the automatic recall at the day-close after the recall date,
a recall by hand."""

from __future__ import annotations

from datetime import date

from loanflow.testing import eventually


async def front_case(desk, servicing, loan_id: str) -> dict:
    """张伟's 20 April installment of 1,066.19 unpaid for 11 days: a front-end case; business date 1 May."""
    await servicing.disbursed(loan_id)
    await servicing.missed(loan_id, dpd=11)
    return await desk.case_of(loan_id)


async def test_a_placed_case_credits_the_agency_and_comes_back_at_the_day_close_after_its_recall_date(desk, servicing):
    case = await front_case(desk, servicing, "LP1")
    cid, sup = case["case_id"], desk.supervisor
    body = {"agency": "华信资产", "fee_rate": "0.25", "recall_on": "2026-05-15"}
    r = await desk.client.post(f"/v1/cases/{cid}/placements", json=body, headers=sup)
    assert r.status_code == 201, r.text
    assert r.json() == {"placement_id": f"{cid}-P1"}
    view = await desk.case(cid)
    [placement] = view["placements"]
    assert (view["queue"], view["agency"], view["assignee"]) == ("agency", "华信资产", "agency-desk")
    assert (
        placement["status"],
        placement["fee_rate"],
        placement["placed_on"],
        placement["recall_on"],
        placement["placed_balance"],
        placement["placed_by"],
    ) == ("active", "0.25", "2026-05-01", "2026-05-15", "1066.19", "chen")

    # refusals change nothing: a second placement, a recall date not after the business date, a bad rate
    for bad, status, code in [
        ({**body, "agency": "other"}, 409, "placement_active"),
        ({**body, "recall_on": "2026-05-01"}, 422, None),
        ({**body, "fee_rate": "1.2"}, 422, None),
        ({**body, "fee_rate": 0.25}, 422, None),
    ]:
        r = await desk.client.post(f"/v1/cases/{cid}/placements", json=bad, headers=sup)
        assert r.status_code == status, (bad, r.text)
        if code:
            assert r.json()["error"]["code"] == code
    assert (await desk.case(cid))["placements"] == view["placements"]
    r = await desk.client.post(f"/v1/cases/{cid}/placements", json=body, headers=desk.as_("li", "collector"))
    assert r.status_code == 403

    await servicing.paid("LP1", "400.00", date(2026, 5, 6))
    placed = await desk.until(cid, lambda v: v["recovered"] == "400.00")
    assert (placed["placements"][0]["recovered"], placed["placements"][0]["agency_fees"]) == ("400.00", "100.00")

    await servicing.day_closed(date(2026, 5, 15))
    await servicing.day_closed(date(2026, 5, 16))
    back = await desk.until(cid, lambda v: v["placements"][0]["status"] == "recalled")
    assert (
        back["queue"],
        back["agency"],
        back["placements"][0]["recall_reason"],
        back["placements"][0]["recalled_on"],
    ) == ("front", None, "recall_date", "2026-05-16")
    assert back["assignee"] in ("collector-f1", "collector-f2")

    await servicing.paid("LP1", "100.00", date(2026, 5, 18))
    await desk.until(cid, lambda v: v["recovered"] == "500.00")
    await servicing.day_closed(date(2026, 5, 19))  # another day-close recalls nothing more

    published = await desk.published(
        lambda evs: sum(e.type == "collections.recovery.attributed" and e.subject == "LP1" for e in evs) == 2
    )
    recoveries = [e.data for e in published if e.type == "collections.recovery.attributed" and e.subject == "LP1"]
    assert [
        (d["channel"], d.get("collector"), d.get("agency"), d["agency_fee"], d["commission"]) for d in recoveries
    ] == [("agency", None, "华信资产", "100.00", "0.00"), ("collector", back["assignee"], None, "0.00", "12.00")]
    recalls = [e for e in published if e.type == "collections.placement.recalled" and e.subject == "LP1"]
    made = [e for e in published if e.type == "collections.placement.made" and e.subject == "LP1"]
    assert len(made) == len(recalls) == 1 and recalls[0].data["agency_fees"] == "100.00"


async def test_a_supervisor_recalls_a_placement_by_hand_once(desk, servicing):
    case = await front_case(desk, servicing, "LP2")
    cid, sup = case["case_id"], desk.supervisor
    r = await desk.client.post(
        f"/v1/cases/{cid}/placements", headers=sup, json={"agency": "A", "fee_rate": "0.3", "recall_on": "2026-08-01"}
    )
    placement_id = r.json()["placement_id"]
    r = await desk.client.post(f"/v1/cases/{cid}/placements/{placement_id}/recall", headers=sup)
    assert r.status_code == 200, r.text
    assert (r.json()["placements"][0]["status"], r.json()["placements"][0]["recall_reason"], r.json()["queue"]) == (
        "recalled",
        "requested",
        "front",
    )
    again = await desk.client.post(f"/v1/cases/{cid}/placements/{placement_id}/recall", headers=sup)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "placement_not_active")
    unknown = await desk.client.post(f"/v1/cases/{cid}/placements/{cid}-P7/recall", headers=sup)
    assert unknown.status_code == 404

    async def recalled_once():
        events = await desk.published(
            lambda evs: any(e.type == "collections.placement.recalled" and e.subject == "LP2" for e in evs)
        )
        return [e for e in events if e.type == "collections.placement.recalled" and e.subject == "LP2"]

    assert len(await eventually(recalled_once)) == 1
