"""Promises to pay and the contact policy, through the running service."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta


def of_type(events, type_, loan_id):
    return [e for e in events if e.type == type_ and e.subject == loan_id]


async def promise(desk, case, amount, on, who):
    r = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=who,
                               json={"amount": amount, "promised_date": on.isoformat()})
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_promise_paid_by_its_date_is_kept(desk, servicing):
    await servicing.missed("P1", dpd=2)
    case = await desk.case_of("P1")
    li = desk.as_(case["assignee"], "collector")
    await promise(desk, case, "500.00", date(2026, 4, 25), li)
    await servicing.paid("P1", "300.00", date(2026, 4, 24))
    await servicing.paid("P1", "200.00", date(2026, 4, 25))
    view = await desk.until(case["case_id"], lambda v: v["promises"][0]["status"] == "kept")
    assert view["promises"][0]["paid"] == "500.00"
    published = await desk.published(lambda es: of_type(es, "collections.promise.kept", "P1"))
    recovered = of_type(published, "collections.recovery.attributed", "P1")
    # a front-end case's collector earns the front-end rate (12% by default)
    assert {(e.data["channel"], e.data["collector"], e.data["amount"], e.data["commission"]) for e in recovered} == {
        ("collector", case["assignee"], "300.00", "36.00"), ("collector", case["assignee"], "200.00", "24.00")}


async def test_broken_promises_are_published_and_the_second_makes_a_serial_promiser(desk, servicing):
    """Two promises broken in a row: a fee event each, the serial-promiser tag and the policy's escalation."""
    await servicing.missed("P2", dpd=2)
    case = await desk.case_of("P2")
    li = desk.as_(case["assignee"], "collector")
    await promise(desk, case, "500.00", date(2026, 4, 25), li)
    await servicing.paid("P2", "100.00", date(2026, 4, 25))  # partial
    await desk.handled(servicing.sent)  # servicing publishes the day's payments before closing the day
    await servicing.day_closed(date(2026, 4, 26))
    view = await desk.until(case["case_id"], lambda v: v["broken_promises"] == 1)
    assert view["promises"][0]["status"] == "partial"

    await promise(desk, case, "400.00", date(2026, 4, 28), li)
    await servicing.day_closed(date(2026, 4, 29))
    view = await desk.until(case["case_id"], lambda v: v["broken_promises"] == 2)
    assert "serial_promiser" in view["tags"]
    assert view["stage"] == "mid"
    assert {t["behaviour"]: t["steps_zh"][0] for t in view["tactics"]} == {
        "serial_promiser": "告诉他兑现其还款诺言的重要性;"}

    published = await desk.published(lambda es: len(of_type(es, "collections.promise.broken", "P2")) == 2
                                     and of_type(es, "collections.case.escalated", "P2"))
    broken = of_type(published, "collections.promise.broken", "P2")
    assert [(e.data["broken_count"], e.data["partial"]) for e in broken] == [(1, True), (2, False)]
    assert {e.data["rule_id"] for e in of_type(published, "collections.policy.decided", "P2")} >= {
        "broken-promise-call", "serial-promiser-escalation"}
    [escalated] = of_type(published, "collections.case.escalated", "P2")
    assert escalated.data["rule_id"] == "serial-promiser-escalation"


async def test_promise_input_is_checked(desk, servicing):
    await servicing.missed("P3", dpd=2)
    case = await desk.case_of("P3")
    li = desk.as_(case["assignee"], "collector")
    past = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=li,
                                  json={"amount": "100.00", "promised_date": "2026-04-01"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "promised_date_in_past"
    floaty = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=li,
                                    json={"amount": 100.5, "promised_date": "2026-05-01"})
    assert floaty.status_code == 422
    far = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=li,
                                 json={"amount": "100.00", "promised_date": "9999-12-31"})
    assert far.status_code == 422 and far.json()["error"]["code"] == "promised_date_too_far"
    other = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=desk.as_("zhou", "collector"),
                                   json={"amount": "100.00", "promised_date": "2026-05-01"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_assignee"
    await promise(desk, case, "100.00", date(2026, 5, 1), li)
    second = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=li,
                                    json={"amount": "100.00", "promised_date": "2026-05-02"})
    assert second.status_code == 409 and second.json()["error"]["code"] == "one_open_promise"


async def test_contact_policy_refuses_the_eighth_call_and_night_calls_but_never_a_visit_for_count(desk, servicing):
    await servicing.missed("C1", dpd=2)
    case = await desk.case_of("C1")
    li = desk.as_(case["assignee"], "collector")
    url = f"/v1/cases/{case['case_id']}/contacts"
    for _ in range(7):
        r = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer"})
        assert r.status_code == 201, r.text
    eighth = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer"})
    assert eighth.status_code == 409
    assert eighth.json()["error"]["code"] == "call_frequency"
    assert eighth.json()["error"]["details"] == [{"rule": "call_frequency",
                                                  "next_allowed_at": "2026-04-29T10:00:00+08:00"}]

    desk.clock.advance(timedelta(days=8, hours=12))  # 22:00 in Shanghai, a week later
    night = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer"})
    assert night.status_code == 409 and night.json()["error"]["code"] == "contact_hours"
    assert night.json()["error"]["details"][0]["next_allowed_at"] == "2026-05-01T08:00:00+08:00"
    sms = await desk.client.post(url, headers=li, json={"channel": "sms", "outcome": "no_answer"})
    assert sms.status_code == 201
    signed_by_sms = await desk.client.post(url, headers=li, json={"channel": "sms", "outcome": "notice_signed"})
    assert signed_by_sms.status_code == 422 and signed_by_sms.json()["error"]["code"] == "outcome_not_for_channel"

    desk.clock.advance(timedelta(hours=12))  # 10:00 next morning
    visit = await desk.client.post(url, headers=li, json={"channel": "visit", "outcome": "met_borrower"})
    assert visit.status_code == 201, visit.text
    again = await desk.client.post(url, headers=li, json={"channel": "visit", "outcome": "no_answer"})
    assert again.status_code == 201, again.text  # the visit target (set to 1) is a goal, never a cap
    by_phone = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "met_borrower"})
    assert by_phone.status_code == 422 and by_phone.json()["error"]["code"] == "outcome_not_for_channel"
    published = await desk.published(lambda es: len(of_type(es, "collections.contact.logged", "C1")) == 10)
    visits = [e for e in of_type(published, "collections.contact.logged", "C1") if e.data["channel"] == "visit"]
    assert [(e.data["outcome"], e.data["valid_visit"], e.data["visit_target"], e.dataschemaversion)
            for e in visits] == [("met_borrower", True, 1, 2), ("no_answer", False, 1, 2)]


async def test_a_dispute_pauses_contact_and_promises_until_resolved(desk, servicing):
    await servicing.missed("C2", dpd=2)
    case = await desk.case_of("C2")
    li = desk.as_(case["assignee"], "collector")
    url = f"/v1/cases/{case['case_id']}/contacts"
    r = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "dispute",
                                                      "note": "says the April installment was paid in cash"})
    assert r.status_code == 201 and r.json()["disputed"] is True
    refused = await desk.client.post(url, headers=li, json={"channel": "letter", "outcome": "no_answer"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "dispute_pause"
    no_promise = await desk.client.post(f"/v1/cases/{case['case_id']}/promises", headers=li,
                                        json={"amount": "100.00", "promised_date": "2026-05-01"})
    assert no_promise.status_code == 409
    by_collector = await desk.client.post(f"/v1/cases/{case['case_id']}/disputes/resolve", headers=li,
                                          json={"resolution": "receipt checked"})
    assert by_collector.status_code == 403
    resolved = await desk.client.post(f"/v1/cases/{case['case_id']}/disputes/resolve", headers=desk.supervisor,
                                      json={"resolution": "no cash receipt exists; the debt stands"})
    assert resolved.status_code == 200 and resolved.json()["disputed"] is False
    again = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "right_party_contact"})
    assert again.status_code == 201
    published = await desk.published(lambda es: of_type(es, "collections.dispute.resolved", "C2"))
    assert len(of_type(published, "collections.dispute.opened", "C2")) == 1


async def test_two_promises_posted_at_once_make_one_promise(desk, servicing):
    await servicing.missed("P4", dpd=2)
    case = await desk.case_of("P4")
    li = desk.as_(case["assignee"], "collector")
    url = f"/v1/cases/{case['case_id']}/promises"
    answers = await asyncio.gather(*[
        desk.client.post(url, headers=li, json={"amount": amount, "promised_date": "2026-05-01"})
        for amount in ("300.00", "400.00")])
    assert sorted(a.status_code for a in answers) == [201, 409]
    view = await desk.case(case["case_id"])
    assert len(view["promises"]) == 1
    assert [t["type"] for t in view["timeline"]].count("collections.promise.made") == 1
