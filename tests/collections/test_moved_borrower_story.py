"""One story through the running service (real PostgreSQL and broker): a borrower who moved.

DOMAIN.md §3: "most long-overdue borrowers have changed job and address: trace through the
contacts, record what is found"; a complaint is kept apart and collection goes on.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.contracts import make_event
from shared.contracts import origination as og
from tests.collections.test_promises_and_contacts import of_type

HOME = "上海市浦东新区张江路100弄5号"
NEW_HOME = "上海市闵行区莘庄镇都市路88号"


async def disbursed_v2(servicing, loan_id: str) -> None:
    """loan.disbursed v2, as origination publishes it: addresses, employer and the guarantor."""
    borrower = og.Borrower(name="张伟", id_number_masked="110101********1234", phone="13900000000",
                           region="Shanghai", addresses=og.Addresses(home=HOME, work="上海市徐汇区漕溪北路88号"),
                           employer=og.Employer(name="华联超市", phone="02164000000"))
    contacts = [og.ContactPerson(relation="family", name="王芳", phone="13800000001"),
                og.ContactPerson(relation="other", name="赵强", phone="13800000002"),
                og.ContactPerson(relation="work", name="钱经理", phone="13800000003")]
    data = og.LoanDisbursed(loan_id=loan_id, application_id=f"A-{loan_id}", borrower=borrower,
                            principal=Decimal("12000.00"), annual_rate=Decimal("0.12"), term_months=12,
                            repayment_method="equal_installment", disbursement_date=date(2026, 3, 1), due_day=20,
                            product="guaranteed", contacts=contacts, disbursed_by="cm",
                            guarantor=og.Guarantor(name="李娜", id_number="310101199001011234", phone="13700000000"))
    await servicing.send("origination", loan_id, make_event("origination", data, subject=loan_id,
                                                            businessdate=date(2026, 3, 1)))


async def test_a_borrower_who_moved_is_traced_visited_complains_and_collection_goes_on(desk, servicing):
    await disbursed_v2(servicing, "M1")
    await servicing.missed("M1", dpd=2)
    case = await desk.case_of("M1")
    await desk.handled(servicing.sent)
    cid, collector = case["case_id"], case["assignee"]
    li = desk.as_(collector, "collector")
    contacts, points = f"/v1/cases/{cid}/contacts", f"/v1/cases/{cid}/contact-points"

    view = await desk.case(cid)
    shown = {p["point_id"]: (p["kind"], p["relation"], p["value"]) for p in view["contact_points"]}
    assert shown["borrower-home"] == ("address", "borrower", "上海市浦东新****")  # masked
    assert shown["guarantor-phone"] == ("phone", "guarantor", "137****0000")
    assert shown["employer"] == ("employer", "work", "华联超市")
    assert {"borrower-phone", "borrower-work", "employer-phone", "contact-family", "contact-other",
            "contact-work"} <= shown.keys()

    # the visit at the home address finds he moved: the address is invalid, the borrower to be traced
    moved = await desk.client.post(contacts, headers=li, json={"channel": "visit", "outcome": "moved",
                                                               "target": "borrower-home",
                                                               "note": "neighbours: moved out in February"})
    assert moved.status_code == 201, moved.text
    assert moved.json()["special_status"] == "unreachable"

    # traced through a contact: the wife gives the new address (locating only: no talk of the debt)
    disclose = await desk.client.post(contacts, headers=li, json={"channel": "phone", "outcome": "promise",
                                                                  "target": "contact-family"})
    assert disclose.status_code == 409 and disclose.json()["error"]["code"] == "third_party_disclosure"
    hint = await desk.client.post(contacts, headers=li, json={
        "channel": "phone", "outcome": "third_party", "target": "contact-family", "reason": "job_loss",
        "note": "lost his job, moved to Minhang"})
    assert hint.status_code == 201
    found = await desk.client.post(points, headers=li, json={"kind": "address", "value": NEW_HOME,
                                                             "relation": "borrower",
                                                             "source": "contact:contact-family"})
    assert found.status_code == 201, found.text
    new_point = found.json()["point_id"]

    # visited at the new address: met him; a valid visit, the trace ends
    met = await desk.client.post(contacts, headers=li, json={"channel": "visit", "outcome": "met_borrower",
                                                             "target": new_point})
    assert met.status_code == 201 and met.json()["special_status"] == "none"
    # one more visit to the old address is recorded, but flagged
    stale = await desk.client.post(contacts, headers=li, json={"channel": "visit", "outcome": "no_answer",
                                                               "target": "borrower-home"})
    assert stale.status_code == 201 and stale.json()["invalid_address_visits"] == 1

    # he complains about the collector; collection goes on: a promise of the full amount is taken
    complaint = await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "collector_conduct", "description": "the collector told my neighbours about the debt"})
    assert complaint.status_code == 201
    assert (complaint.json()["status"], complaint.json()["collector"]) == ("open", collector)
    promise = await desk.client.post(f"/v1/cases/{cid}/promises", headers=li,
                                     json={"amount": "1066.19", "promised_date": "2026-04-25"})
    assert promise.status_code == 201 and promise.json()["disputed"] is False
    assert promise.json()["latest_reason"] == "job_loss"

    # the first address, marked invalid by the visit, stays so by hand too (nothing new recorded)
    marked = await desk.client.post(f"{points}/borrower-home/status", headers=li, json={"status": "invalid"})
    assert marked.status_code == 200 and (marked.json()["status"], marked.json()["status_reason"]) == (
        "invalid", "moved")
    view = await desk.case(cid)
    status = {p["point_id"]: p["status"] for p in view["contact_points"]}
    assert (status["borrower-home"], status[new_point]) == ("invalid", "valid")
    assert [c["status"] for c in view["complaints"]] == ["open"]

    # paid in full: the case closes, the complaint is still answered afterwards
    await servicing.paid("M1", "1066.19", date(2026, 4, 24), status="current")
    await desk.until(cid, lambda v: v["status"] == "closed")
    answered = await desk.client.post(f"/v1/complaints/{complaint.json()['complaint_id']}/resolve",
                                      headers=desk.supervisor, json={"resolution": "coached the collector"})
    assert answered.status_code == 200 and answered.json()["status"] == "resolved"

    published = await desk.published(lambda es: of_type(es, "collections.complaint.resolved", "M1"))
    changed = of_type(published, "collections.contact_point.status_changed", "M1")
    assert [(e.data["point_id"], e.data["status"], e.data["reason"]) for e in changed] == [
        ("borrower-home", "invalid", "moved"), ("contact-family", "valid", "third_party"),
        (new_point, "valid", "met_borrower")]
    visits = [e.data for e in of_type(published, "collections.contact.logged", "M1") if e.data["channel"] == "visit"]
    assert [(v["outcome"], v["valid_visit"], v["invalid_address"]) for v in visits] == [
        ("moved", False, False), ("met_borrower", True, False), ("no_answer", False, True)]
    [added] = of_type(published, "collections.contact_point.added", "M1")
    assert added.data["value"] == "上海市闵行区****" and added.data["source"] == "contact:contact-family"
    assert of_type(published, "collections.case.resolved", "M1")[0].data["resolution"] == "cured"
