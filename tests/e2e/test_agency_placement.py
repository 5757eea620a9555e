"""Issue 15's agency story end to end, through four `loanflow serve` processes (real PostgreSQL and broker):
a case is placed with a collection agency, partly recovered while placed (the agency's fee recorded, no
collector commission), recalled automatically at the first day-close after its recall date, and the
collections report's agencies section shows it.

The business calendar starts on 1 March 2026; the first installment falls due on 20 April and goes unpaid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanflow.client import wait_for
from loanflow.world import ANALYST, OPS, SUPERVISOR
from tests.e2e.test_reaching_the_borrower import open_case, originate

AGENCY = "华信资产"


async def test_a_case_placed_with_an_agency_is_partly_recovered_for_its_fee_and_recalled_when_its_date_passes(client):
    c = client
    loan_id = await originate(c)

    async def built() -> dict[str, Any] | None:
        answer = await c.call("GET", "servicing", f"/v1/loans/{loan_id}/schedule", OPS, expect=(200, 404))
        return answer if "installments" in answer else None

    first_due = date.fromisoformat((await wait_for(built, "the loan's schedule", 60))["installments"][0]["due_date"])
    opened_on = first_due + timedelta(days=1)
    await c.advance(opened_on.isoformat())
    case = await wait_for(lambda: open_case(c, loan_id), "the case opened by day-close", 60)
    cid, collector = case["case_id"], case["assignee"]
    assert (case["stage"], case["queue"], case["placements"]) == ("front", "front", [])
    owed = Decimal(case["amount_overdue"]) + sum((Decimal(v) for v in case["charges"].values()), Decimal("0"))

    # a supervisor places the case with an agency for 25% until 10 May; the recall date must be after today
    placements = f"/v1/cases/{cid}/placements"
    body = {"agency": AGENCY, "fee_rate": "0.25", "recall_on": "2026-05-10"}
    too_soon = await c.post(
        "collections", placements, SUPERVISOR, {**body, "recall_on": opened_on.isoformat()}, expect=422
    )
    assert too_soon["error"]["code"] == "recall_on_not_after_business_date"
    placed = await c.post("collections", placements, SUPERVISOR, body, expect=201)
    placement_id = placed["placement_id"]
    assert placement_id == f"{cid}-P1"
    twice = await c.post("collections", placements, SUPERVISOR, {**body, "agency": "别家"}, expect=409)
    assert twice["error"]["code"] == "placement_active"
    view = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
    [p] = view["placements"]
    assert (view["queue"], view["agency"], view["assignee"]) == ("agency", AGENCY, "agency-desk")
    assert (p["status"], p["placed_on"], p["recall_on"], Decimal(p["placed_balance"])) == (
        "active",
        opened_on.isoformat(),
        "2026-05-10",
        owed,
    )

    # the borrower pays part of it through his bank while the case is placed: the agency earns its fee
    partner = await c.add_partner("bank-e2e15")
    paid = await c.repay(partner, loan_id, "400.00")
    assert paid.status_code == 201, paid.text

    async def recovered() -> dict[str, Any] | None:
        v = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
        return v if v["placements"][0]["recovered"] == "400.00" else None

    during = await wait_for(recovered, "the payment credited to the placement", 60)
    assert (during["placements"][0]["agency_fees"], during["recovered"], during["status"]) == (
        "100.00",
        "400.00",
        "open",
    )

    # the recall date passes: the first day-close after 10 May recalls the case to its stage queue
    await c.advance("2026-05-10")
    assert (await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR))["placements"][0]["status"] == "active"
    await c.advance("2026-05-11")

    async def recalled() -> dict[str, Any] | None:
        v = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
        return v if v["placements"][0]["status"] == "recalled" else None

    back = await wait_for(recalled, "the automatic recall", 60)
    p = back["placements"][0]
    assert (p["recall_reason"], p["recalled_on"], p["recalled_by"], back["queue"], back["agency"]) == (
        "recall_date",
        "2026-05-11",
        "system",
        "front",
        None,
    )
    assert back["assignee"] not in (None, "agency-desk")
    again = await c.post("collections", f"{placements}/{placement_id}/recall", SUPERVISOR, expect=409)
    assert again["error"]["code"] == "placement_not_active"

    # reporting: the agency's placed balance, recovery, fee and liquidation rate; no collector's commission
    period = {"from": opened_on.isoformat(), "to": "2026-05-11"}

    async def report() -> dict[str, Any] | None:
        r = await c.get("reporting", "/v1/reports/collections", ANALYST, params=period)
        agency = r["agencies"].get(AGENCY)
        return r if agency and agency["recovered"] == "400.00" and agency["active"] == 0 else None

    figures = await wait_for(report, "the agencies report", 60)
    liquidation = (Decimal("400.00") / owed).quantize(Decimal("0.0001"))
    assert figures["agencies"][AGENCY] == {
        "placements": 1,
        "active": 0,
        "placed_balance": f"{owed:.2f}",
        "recovered": "400.00",
        "fees": "100.00",
        "liquidation_rate": f"{liquidation}",
    }
    assert figures["commission_by_channel"]["agency"] == {
        "recovered": "400.00",
        "commission": "0.00",
        "agency_fees": "100.00",
    }
    assert figures["commission"] == "0.00" and figures["recovered"] == "400.00"
    assert "agency-desk" not in figures["collectors"]
    assert figures["collectors"].get(collector, {}).get("recovered", "0.00") == "0.00"

    async def timeline() -> list[dict[str, Any]] | None:
        page = await c.get("reporting", f"/v1/loans/{loan_id}/timeline", ANALYST, params={"limit": 500})
        types = [e["type"] for e in page["items"]]
        return page["items"] if "collections.placement.recalled" in types else None

    story = (
        "collections.placement.made",
        "loan.payment.received",
        "collections.recovery.attributed",
        "collections.placement.recalled",
    )
    events = [e for e in await wait_for(timeline, "the loan's timeline", 60) if e["type"] in story]
    assert [(e["businessdate"], e["type"]) for e in events] == [
        (opened_on.isoformat(), "collections.placement.made"),
        (opened_on.isoformat(), "loan.payment.received"),
        (opened_on.isoformat(), "collections.recovery.attributed"),
        ("2026-05-11", "collections.placement.recalled"),
    ]
    attributed = events[2]["data"]
    assert (
        attributed["channel"],
        attributed["agency"],
        attributed["placement_id"],
        attributed["agency_fee"],
        attributed["commission"],
        attributed.get("collector"),
    ) == ("agency", AGENCY, placement_id, "100.00", "0.00", None)
