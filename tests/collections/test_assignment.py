"""Assignment: least open cases first, and never the people who originated the loan."""

from __future__ import annotations

import pytest

from services.collections.domain.assignment import check_segregation, pick_collector
from services.collections.domain.errors import CaseRuleViolation


def test_the_collector_with_fewest_open_cases_takes_the_case_ties_in_roster_order():
    roster = ["zhao", "qian", "sun"]
    assert pick_collector(roster, {"zhao": 3, "qian": 1, "sun": 1}, excluded=set()) == "qian"
    assert pick_collector(roster, {}, excluded=set()) == "zhao"


def test_whoever_approved_the_loan_never_collects_it():
    assert pick_collector(["zhao", "qian"], {"zhao": 0, "qian": 9}, excluded={"zhao"}) == "qian"
    assert pick_collector(["zhao"], {}, excluded={"zhao"}) is None
    with pytest.raises(CaseRuleViolation) as err:
        check_segregation("zhao", {"zhao", "wang"})
    assert err.value.rule == "segregation_of_duties"


async def test_a_case_is_not_routed_to_the_loans_reviewer_nor_reassigned_to_them(desk, servicing):
    """collector-f1 reviewed L-SOD's application as credit manager once; the case goes to collector-f2."""
    await servicing.reviewed("SOD", "collector-f1")
    await servicing.disbursed("SOD")
    await desk.handled(servicing.sent)
    await servicing.missed("SOD", dpd=1)
    case = await desk.case_of("SOD")
    assert case["assignee"] == "collector-f2"
    refused = await desk.client.post(f"/v1/cases/{case['case_id']}/assign", headers=desk.supervisor,
                                     json={"collector": "collector-f1"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "segregation_of_duties"
    disburser = await desk.client.post(f"/v1/cases/{case['case_id']}/assign", headers=desk.supervisor,
                                       json={"collector": "cm"})
    assert disburser.status_code == 409


async def test_new_cases_spread_over_the_front_collectors_by_open_caseload(desk, servicing):
    for loan in ("B1", "B2", "B3", "B4"):
        await servicing.missed(loan, dpd=1)
    assignees = [(await desk.case_of(loan))["assignee"] for loan in ("B1", "B2", "B3", "B4")]
    assert sorted(assignees) == ["collector-f1", "collector-f1", "collector-f2", "collector-f2"]


async def test_a_late_review_record_takes_the_case_from_the_reviewer(desk, servicing):
    """The origination topic lags: the case went to collector-f1 before collections learnt they reviewed it."""
    await servicing.disbursed("LATE")
    await servicing.missed("LATE", dpd=1)
    case = await desk.case_of("LATE")
    assert case["assignee"] == "collector-f1"
    await servicing.reviewed("LATE", "collector-f1", stage="team_manager")
    moved = await desk.until(case["case_id"], lambda v: v["assignee"] != "collector-f1")
    assert moved["assignee"] == "collector-f2"
