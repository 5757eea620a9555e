"""Contact points, complaints, third parties, reasons and untouched cases through the running service."""

from __future__ import annotations

from datetime import date, timedelta

from tests.collections.test_promises_and_contacts import of_type


async def open_case(desk, servicing, loan_id: str, *, disbursed: bool = True):
    if disbursed:  # on the loan file before the case opens: the two topics race
        await desk.handled({await servicing.disbursed(loan_id)})
    await servicing.missed(loan_id, dpd=2)
    case = await desk.case_of(loan_id)
    return case, desk.as_(case["assignee"], "collector")


async def test_the_case_lists_its_contact_points_masked_and_a_finding_is_added_and_marked(desk, servicing):
    case, li = await open_case(desk, servicing, "R1")
    cid = case["case_id"]
    await desk.handled(servicing.sent)
    view = await desk.case(cid)
    assert [(p["point_id"], p["relation"], p["value"], p["status"], p["source"]) for p in view["contact_points"]] == [
        ("borrower-phone", "borrower", "139****0000", "unknown", "origination"),
        ("contact-family", "family", "138****0001", "unknown", "origination"),
        ("contact-other", "other", "138****0002", "unknown", "origination"),
        ("contact-work", "work", "138****0003", "unknown", "origination")]  # a v1 loan.disbursed: no addresses

    added = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": "13612345678", "relation": "borrower", "source": "contact:contact-family"})
    assert added.status_code == 201, added.text
    point = added.json()
    assert (point["value"], point["status"], point["source"]) == ("136****5678", "unknown", "contact:contact-family")
    twice = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": "13612345678", "source": "trace"})
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "contact_point_exists"
    bad = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={"kind": "fax", "value": "1"})
    assert bad.status_code == 422

    url = f"/v1/cases/{cid}/contacts"
    wrong = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "wrong_number",
                                                          "target": "contact-other"})
    assert wrong.status_code == 201, wrong.text
    marked = await desk.client.post(f"/v1/cases/{cid}/contact-points/{point['point_id']}/status", headers=li,
                                    json={"status": "valid"})
    assert marked.status_code == 200 and marked.json()["status"] == "valid"
    missing = await desk.client.post(f"/v1/cases/{cid}/contact-points/cp-none/status", headers=li,
                                     json={"status": "invalid"})
    assert missing.status_code == 404
    unknown = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer",
                                                            "target": "cp-none"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_contact_point"

    view = await desk.case(cid)
    status = {p["point_id"]: (p["status"], p["status_reason"]) for p in view["contact_points"]}
    assert status["contact-other"] == ("invalid", "wrong_number")
    assert status[point["point_id"]] == ("valid", "marked_by_hand")
    assert view["special_status"] == "none"  # a contact's number was wrong, not the borrower's
    published = await desk.published(lambda es: of_type(es, "collections.contact_point.status_changed", "R1")
                                     and of_type(es, "collections.contact_point.added", "R1"))
    [found] = of_type(published, "collections.contact_point.added", "R1")
    assert found.data["value"] == "136****5678"  # masked on the topic too


async def test_third_parties_locate_the_borrower_only_and_reasons_show_on_the_case(desk, servicing):
    case, li = await open_case(desk, servicing, "R2")
    url = f"/v1/cases/{case['case_id']}/contacts"
    for target, outcome in (("family", "promise"), ("contact-work", "right_party_contact"), ("other", "dispute")):
        refused = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": outcome,
                                                                "target": target})
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "third_party_disclosure"
    locate = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "third_party",
                                                           "target": "family", "reason": "job_loss",
                                                           "note": "wife says he lost his job in March"})
    assert locate.status_code == 201 and locate.json()["latest_reason"] == "job_loss"
    guarantor = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "promise",
                                                              "target": "guarantor", "reason": "cash_flow"})
    assert guarantor.status_code == 201 and guarantor.json()["latest_reason"] == "cash_flow"
    bad_reason = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer",
                                                               "reason": "lazy"})
    assert bad_reason.status_code == 422
    [summary] = (await desk.client.get("/v1/cases", params={"loan_id": "R2"}, headers=desk.supervisor)).json()["items"]
    assert summary["latest_reason"] == "cash_flow"
    published = await desk.published(lambda es: len(of_type(es, "collections.contact.logged", "R2")) == 2)
    assert [(e.data["target_kind"], e.data["reason"]) for e in of_type(published, "collections.contact.logged",
                                                                       "R2")] == [("family", "job_loss"),
                                                                                  ("guarantor", "cash_flow")]


async def test_a_complaint_never_pauses_collection_and_only_a_dispute_does(desk, servicing):
    case, li = await open_case(desk, servicing, "R3")
    cid, collector = case["case_id"], case["assignee"]
    made = await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "collector_conduct", "description": "called my office three times"})
    assert made.status_code == 201, made.text
    complaint = made.json()
    assert (complaint["status"], complaint["collector"], complaint["owner"]) == ("open", collector, "supervisor:front")
    assert date.fromisoformat(complaint["due_on"]) == date.fromisoformat(case["opened_on"]) + timedelta(days=15)
    fees = await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "fees", "description": "the penalty interest is too high", "owner": "wu"})
    assert fees.status_code == 201 and (fees.json()["collector"], fees.json()["owner"]) == (None, "wu")
    assert (await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "weather", "description": "x"})).status_code == 422

    contact = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li,
                                     json={"channel": "phone", "outcome": "right_party_contact"})
    assert contact.status_code == 201 and contact.json()["disputed"] is False  # collection goes on
    promise = await desk.client.post(f"/v1/cases/{cid}/promises", headers=li,
                                     json={"amount": "1066.19", "promised_date": "2026-04-30"})
    assert promise.status_code == 201
    assert len((await desk.case(cid))["complaints"]) == 2

    listed = await desk.client.get("/v1/complaints", params={"status": "open", "collector": collector},
                                   headers=desk.supervisor)
    assert [c["complaint_id"] for c in listed.json()["items"]] == [complaint["complaint_id"]]
    first = await desk.client.get("/v1/complaints", params={"limit": 1, "case_id": cid}, headers=li)
    assert len(first.json()["items"]) == 1 and first.json()["next_cursor"] == "1"

    by_collector = await desk.client.post(f"/v1/complaints/{complaint['complaint_id']}/resolve", headers=li,
                                          json={"resolution": "mine"})
    assert by_collector.status_code == 403
    resolved = await desk.client.post(f"/v1/complaints/{complaint['complaint_id']}/resolve",
                                      headers=desk.supervisor, json={"resolution": "calls reviewed; apologised"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    again = await desk.client.post(f"/v1/complaints/{complaint['complaint_id']}/resolve",
                                   headers=desk.supervisor, json={"resolution": "again"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "complaint_resolved"
    assert (await desk.client.post("/v1/complaints/cmp-none/resolve", headers=desk.supervisor,
                                   json={"resolution": "x"})).status_code == 404
    open_now = await desk.client.get("/v1/complaints", params={"status": "open"}, headers=desk.supervisor)
    assert [c["category"] for c in open_now.json()["items"] if c["case_id"] == cid] == ["fees"]

    dispute = await desk.client.post(f"/v1/cases/{cid}/disputes", headers=li, json={"reason": "amount is wrong"})
    assert dispute.status_code == 201
    paused = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li,
                                    json={"channel": "phone", "outcome": "no_answer"})
    assert paused.status_code == 409 and paused.json()["error"]["details"] == [
        {"rule": "dispute_pause", "next_allowed_at": None}]

    published = await desk.published(lambda es: of_type(es, "collections.complaint.resolved", "R3"))
    opened = of_type(published, "collections.complaint.opened", "R3")
    assert [(e.data["category"], e.data.get("collector"), e.data["assignee"]) for e in opened] == [
        ("collector_conduct", collector, collector), ("fees", None, collector)]


async def test_untouched_cases_are_the_open_ones_with_no_contact_for_the_days_asked(desk, servicing):
    quiet, _ = await open_case(desk, servicing, "R4", disbursed=False)
    busy, _ = await open_case(desk, servicing, "R5", disbursed=False)
    later = date.fromisoformat(quiet["opened_on"]) + timedelta(days=31)
    await servicing.day_closed(later - timedelta(days=2))
    await desk.handled(servicing.sent)
    r = await desk.client.post(f"/v1/cases/{busy['case_id']}/contacts", headers=desk.supervisor,
                               json={"channel": "sms", "outcome": "no_answer"})
    assert r.status_code == 201 and r.json()["last_contact_on"] == (later - timedelta(days=2)).isoformat()
    await servicing.day_closed(later)
    await desk.handled(servicing.sent)

    async def untouched(days: int) -> set[str]:
        got = await desk.client.get("/v1/cases", params={"untouched_days": days}, headers=desk.supervisor)
        assert got.status_code == 200, got.text
        return {c["loan_id"] for c in got.json()["items"]} & {"R4", "R5"}

    assert await untouched(30) == {"R4"}  # opened 31 days ago, never contacted
    assert await untouched(2) == {"R4", "R5"}
    assert await untouched(32) == set()
    assert (await desk.client.get("/v1/cases", params={"untouched_days": 0},
                                  headers=desk.supervisor)).status_code == 422


async def test_contact_points_are_revealed_to_the_collector_with_a_reason_and_the_access_recorded(desk, servicing):
    case, li = await open_case(desk, servicing, "R6")
    cid = case["case_id"]
    await desk.handled(servicing.sent)
    url = f"/v1/cases/{cid}"
    assert (await desk.client.get(url, params={"reveal": "true"}, headers=li)).json()["error"]["code"] == \
        "reason_required"
    other = await desk.client.get(url, params={"reveal": "true", "reason": "curious"},
                                  headers=desk.as_("zhou", "collector"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "reveal_not_permitted"
    shown = await desk.client.get(url, params={"reveal": "true", "reason": "calling the family contact"},
                                  headers=li)
    assert shown.status_code == 200, shown.text
    values = {p["point_id"]: p["value"] for p in shown.json()["contact_points"]}
    assert (values["borrower-phone"], values["contact-family"]) == ("13900000000", "13800000001")
    assert {p["point_id"]: p["value"] for p in (await desk.case(cid))["contact_points"]}["contact-family"] == \
        "138****0001"  # masked again without a reveal

    audit = await desk.client.get("/v1/audit/access", params={"case_id": cid}, headers=desk.as_("au", "auditor"))
    assert [(a["actor"], a["subject_type"], a["reason"]) for a in audit.json()["items"]] == [
        (case["assignee"], "case", "calling the family contact")]
    assert (await desk.client.get("/v1/audit/access", headers=li)).status_code == 403


async def test_a_reveal_posted_with_its_reason_in_the_body_shows_the_points_and_is_recorded(desk, servicing):
    case, li = await open_case(desk, servicing, "R8")
    cid = case["case_id"]
    await desk.handled(servicing.sent)
    url = f"/v1/cases/{cid}/reveal"
    blank = await desk.client.post(url, json={"reason": " "}, headers=li)
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "reason_required"
    assert (await desk.client.post(url, json={}, headers=li)).json()["error"]["code"] == "reason_required"
    other = await desk.client.post(url, json={"reason": "curious"}, headers=desk.as_("zhou", "collector"))
    assert other.status_code == 403 and other.json()["error"]["code"] == "reveal_not_permitted"
    assert (await desk.client.post(url, json={"reason": "x"}, headers=desk.as_("au", "auditor"))).status_code == 403
    shown = await desk.client.post(url, json={"reason": "核实借款人电话"}, headers=li)
    assert shown.status_code == 200, shown.text
    values = {p["point_id"]: p["value"] for p in shown.json()["contact_points"]}
    assert values["borrower-phone"] == "13900000000"
    audit = await desk.client.get("/v1/audit/access", params={"case_id": cid}, headers=desk.as_("au", "auditor"))
    assert [(a["actor"], a["reason"]) for a in audit.json()["items"]] == [(case["assignee"], "核实借款人电话")]


async def test_an_auditor_reads_the_case_a_record_names_masked_in_full_and_cannot_reveal_it(desk, servicing):
    """The auditor follows an access record to its case: the case and its history, every personal field
    masked (borrower, contacts, contact points, a trace finding's phone and a note's phone in the timeline);
    no reveal, no list, no queue, no action."""
    case, li = await open_case(desk, servicing, "R9")
    cid = case["case_id"]
    await desk.handled(servicing.sent)
    added = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": "13612345678", "relation": "borrower", "source": "trace"})
    assert added.status_code == 201, added.text
    noted = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={
        "channel": "phone", "outcome": "no_answer", "note": "她说打 13712345678 找她"})
    assert noted.status_code == 201, noted.text
    full = (await desk.client.get(f"/v1/cases/{cid}", headers=li)).json()
    auditor = desk.as_("au", "auditor")
    seen = await desk.client.get(f"/v1/cases/{cid}", headers=auditor)
    assert seen.status_code == 200, seen.text
    view = seen.json()
    assert (view["case_id"], view["status"], view["assignee"]) == (cid, full["status"], full["assignee"])
    for personal in ("13612345678", "13712345678", "13900000000", "13800000001", full["borrower"]["phone"],
                     full["borrower"]["name"], *(c["name"] for c in full["trace_contacts"])):
        assert personal not in seen.text, personal
    assert view["borrower"]["phone"] == full["borrower"]["phone"][:3] + "****" + full["borrower"]["phone"][-4:]
    assert view["borrower"]["name"].startswith(full["borrower"]["name"][0]) and "*" in view["borrower"]["name"]
    assert {p["point_id"]: p["value"] for p in view["contact_points"]} == {
        p["point_id"]: p["value"] for p in full["contact_points"]}, "the contact points as anyone sees them: masked"
    events = {e["type"]: e["data"] for e in view["timeline"]}
    assert [e["type"] for e in view["timeline"]] == [e["type"] for e in full["timeline"]], "the whole history"
    assert events["collections.contact_point.added"]["value"] == "136****5678"
    assert events["collections.contact.logged"]["note"] == "她说打 137****5678 找她", "plain (no key ring here): masked"

    for method, path, body in (("GET", f"/v1/cases/{cid}?reveal=true&reason=audit", None),
                               ("POST", f"/v1/cases/{cid}/reveal", {"reason": "audit"}),
                               ("POST", f"/v1/cases/{cid}/contacts", {"channel": "phone", "outcome": "no_answer"}),
                               ("GET", "/v1/cases", None), ("GET", "/v1/queue", None)):
        refused = await desk.client.request(method, path, json=body, headers=auditor)
        assert refused.status_code == 403, (method, path, refused.text)
    audit = await desk.client.get("/v1/audit/access", params={"case_id": cid}, headers=auditor)
    assert audit.json()["items"] == [], "reading masked records nothing; the refused reveal neither"


async def test_a_call_sets_when_to_follow_up_a_past_day_is_refused_and_nothing_recorded(desk, servicing):
    case, li = await open_case(desk, servicing, "R9")
    url = f"/v1/cases/{case['case_id']}/contacts"
    today = date.fromisoformat((await desk.client.get(f"/v1/cases/{case['case_id']}", headers=li)).json()[
        "opened_on"])
    past = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "busy",
                                                         "follow_up_on": "2000-01-01"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "follow_up_in_past"
    later = (today + timedelta(days=30)).isoformat()
    logged = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "switched_off",
                                                           "follow_up_on": later})
    assert logged.status_code == 201, logged.text
    shown = (await desk.client.get(f"/v1/cases/{case['case_id']}", headers=li)).json()["scheduled"]
    assert {"channel": "phone", "due": later, "rule_id": "follow_up"} in [
        {k: a.get(k) for k in ("channel", "due", "rule_id")} for a in shown]
    published = await desk.published(lambda es: len(of_type(es, "collections.contact.logged", "R9")) == 1)
    assert [(e.data["outcome"], e.data["follow_up_on"]) for e in of_type(published, "collections.contact.logged",
                                                                        "R9")] == [("switched_off", later)]
