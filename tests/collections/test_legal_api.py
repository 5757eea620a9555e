"""Legal proceedings through the running service: the policy's referral, then filing, payment order, enforcement
and closing with costs; the order and the time bar refused with their rule; who may record; the events published."""

from __future__ import annotations

from datetime import date


def of_type(events, type_, loan_id):
    return [e for e in events if e.type == type_ and e.subject == loan_id]


async def test_a_referred_case_is_filed_ordered_enforced_and_closed_with_its_costs(desk, servicing):
    await servicing.missed("G1", dpd=100, amount="9000.00")  # business date 2026-07-29; back-end, 9,000 overdue
    case = await desk.until((await desk.case_of("G1"))["case_id"], lambda v: v["legal"]["status"] == "referred")
    cid = case["case_id"]
    assert case["queue"] == "legal" and case["legal"]["in_legal"] is True
    [referral] = case["legal"]["actions"]
    assert (referral["kind"], referral["reference"], referral["recorded_by"], referral["rule_id"]) == (
        "referral", "payment_order", "policy", "back-legal-large")
    assert case["legal"]["next"] == ["filing", "closed"]
    legal = {**desk.as_("wu", "legal"), "Idempotency-Key": "filing-g1"}
    url = f"/v1/cases/{cid}/legal-actions"

    early = await desk.client.post(url, headers=desk.as_("wu", "legal"), json={"kind": "enforcement",
                                                                               "on": "2026-07-29"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "legal_out_of_order"
    assert early.json()["error"]["details"][0]["allowed"] == ["filing", "closed"]
    filing = {"kind": "filing", "on": "2026-07-29", "court": "上海市浦东新区人民法院",
              "reference": "(2026)沪0115民初1234号", "cost": "25.00"}
    filed = await desk.client.post(url, headers=legal, json=filing)
    assert filed.status_code == 201, filed.text
    again = await desk.client.post(url, headers=legal, json=filing)  # a retry with the same key: one filing
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert filed.json()["legal"]["status"] == "filed"
    for body in ({"kind": "payment_order", "on": "2026-07-29", "reference": "(2026)沪0115民督56号", "cost": "50.00",
                  "amount": "9000.00"},
                 {"kind": "enforcement", "on": "2026-07-29", "reference": "(2026)沪0115执789号", "cost": "100.10",
                  "amount": "6000.00"},
                 {"kind": "closed", "on": "2026-07-29", "outcome": "recovered", "amount": "6000.00"}):
        r = await desk.client.post(url, headers=desk.supervisor, json=body)
        assert r.status_code == 201, r.text
    view = await desk.case(cid)
    assert [a["kind"] for a in view["legal"]["actions"]] == ["referral", "filing", "payment_order", "enforcement",
                                                             "closed"]
    assert (view["legal"]["costs_total"], view["legal"]["status"], view["legal"]["in_legal"]) == ("175.10", "closed",
                                                                                               False)
    assert view["legal"]["actions"][1]["court"] == "上海市浦东新区人民法院" and view["queue"] == "back"
    assert "collections.legal.action_recorded" in [e["type"] for e in view["timeline"]]
    published = await desk.published(
        lambda es: len(of_type(es, "collections.legal.action_recorded", "G1")) >= 4)
    recorded = of_type(published, "collections.legal.action_recorded", "G1")
    assert [(e.data["kind"], e.data["cost"]) for e in recorded] == [
        ("filing", "25.00"), ("payment_order", "50.00"), ("enforcement", "100.10"), ("closed", "0.00")]
    assert recorded[-1].data["outcome"] == "recovered" and recorded[-1].data["amount"] == "6000.00"
    assert of_type(published, "collections.legal.referred", "G1")[0].data["rule_id"] == "back-legal-large"


async def test_bad_bodies_and_roles_are_refused_changing_nothing(desk, servicing):
    await servicing.missed("G2", dpd=100, amount="9000.00")
    cid = (await desk.until((await desk.case_of("G2"))["case_id"], lambda v: v["legal"]["in_legal"]))["case_id"]
    url = f"/v1/cases/{cid}/legal-actions"
    legal = desk.as_("wu", "legal")
    for body, status, code in [
        ({"kind": "filing", "on": "2026-07-29", "cost": 25.5}, 422, None),  # a float is never money
        ({"kind": "filing", "on": "2026-07-29", "cost": "1.234"}, 422, None),
        ({"kind": "appeal", "on": "2026-07-29"}, 422, None),
        ({"kind": "filing", "on": "2026-07-30"}, 422, "action_in_future"),
        ({"kind": "closed", "on": "2026-07-29"}, 422, "outcome_required"),
        ({"kind": "police_report", "on": "2026-07-29"}, 409, "police_report_not_fraud"),
    ]:
        r = await desk.client.post(url, headers=legal, json=body)
        assert r.status_code == status, (body, r.text)
        if code:
            assert r.json()["error"]["code"] == code
    collector = await desk.client.post(url, headers=desk.as_("li", "collector"),
                                       json={"kind": "filing", "on": "2026-07-29"})
    assert collector.status_code == 403
    missing = await desk.client.post("/v1/cases/nope/legal-actions", headers=legal,
                                     json={"kind": "filing", "on": "2026-07-29"})
    assert missing.status_code == 404
    view = await desk.case(cid)
    assert [a["kind"] for a in view["legal"]["actions"]] == ["referral"]


async def test_a_time_barred_debt_is_never_filed(desk, servicing):
    await servicing.missed("G3", dpd=100, amount="9000.00")
    cid = (await desk.until((await desk.case_of("G3"))["case_id"], lambda v: v["legal"]["in_legal"]))["case_id"]
    await servicing.day_closed(date(2029, 4, 20))
    barred = await desk.until(cid, lambda v: v["statute"]["expired"])
    assert (barred["legal"]["status"], barred["legal"]["next"]) == ("none", [])
    r = await desk.client.post(f"/v1/cases/{cid}/legal-actions", headers=desk.as_("wu", "legal"),
                               json={"kind": "filing", "on": "2029-04-20", "reference": "(2029)沪0115民初1号",
                                     "cost": "25.00"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "time_barred"
    assert [a["kind"] for a in (await desk.case(cid))["legal"]["actions"]] == ["referral"]


async def test_a_fraud_case_is_reported_to_the_police(desk, servicing):
    await servicing.missed("G4", dpd=10)
    case = await desk.case_of("G4")
    cid = case["case_id"]
    r = await desk.client.post(f"/v1/cases/{cid}/fraud", headers=desk.as_(case["assignee"], "collector"),
                               json={"reason": "the ID card was forged"})
    assert r.status_code == 200, r.text
    fraud = r.json()["legal"]
    assert fraud["actions"][0]["reference"] == "police"  # the fraud rule refers to the police: the fraud desk's
    assert (fraud["status"], fraud["in_legal"], fraud["next"]) == ("none", False, ["referral", "police_report"])
    reported = await desk.client.post(f"/v1/cases/{cid}/legal-actions", headers=desk.as_("wu", "legal"), json={
        "kind": "police_report", "on": "2026-04-30", "reference": "沪公经侦立字2026-17"})
    assert reported.status_code == 201, reported.text
    assert reported.json()["queue"] == "fraud"
    assert [a["kind"] for a in reported.json()["legal"]["actions"]] == ["referral", "police_report"]
