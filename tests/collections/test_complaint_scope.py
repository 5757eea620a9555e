"""Who lists which complaints (issue 16's auth review): a collector only their own — about them, or on a case
assigned to them —; supervisors, legal, auditors and admins every complaint."""

from __future__ import annotations

from tests.collections.test_reach_api import open_case


async def complain(desk, case, who, category):
    made = await desk.client.post(f"/v1/cases/{case['case_id']}/complaints", headers=who,
                                  json={"category": category, "description": f"{category} on {case['loan_id']}"})
    assert made.status_code == 201, made.text
    return made.json()["complaint_id"]


async def test_a_collector_lists_only_their_own_complaints_and_overseers_list_all(desk, servicing):
    mine, li = await open_case(desk, servicing, "S1")
    theirs, wang = await open_case(desk, servicing, "S2")
    assert mine["assignee"] != theirs["assignee"]
    conduct = await complain(desk, mine, li, "collector_conduct")  # about li
    fees = await complain(desk, mine, li, "fees")  # about nobody, on li's case
    other = await complain(desk, theirs, wang, "collector_conduct")  # about wang
    everything = {conduct, fees, other}

    async def listed(headers, **params):
        r = await desk.client.get("/v1/complaints", params=params, headers=headers)
        assert r.status_code == 200, r.text
        return {c["complaint_id"] for c in r.json()["items"]}

    assert await listed(li) == {conduct, fees}
    assert await listed(wang) == {other}
    assert await listed(li, collector=theirs["assignee"]) == set()  # naming another collector shows nothing more
    assert await listed(li, case_id=theirs["case_id"]) == set()
    for role in ("collections_supervisor", "legal", "auditor", "admin"):
        assert await listed(desk.as_("someone", role)) == everything, role
    assert (await desk.client.get("/v1/complaints", headers=desk.as_("q", "qa"))).status_code == 403

    moved = await desk.client.post(f"/v1/cases/{theirs['case_id']}/assign", headers=desk.supervisor,
                                   json={"collector": mine["assignee"]})
    assert moved.status_code == 200, moved.text
    assert await listed(li) == everything  # the case is now li's: its complaints are too
