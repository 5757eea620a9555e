"""Special paths through the running service: deceased, fraud, unreachable, write-off, statute, roles."""

from __future__ import annotations

from datetime import date


def of_type(events, type_, loan_id):
    return [e for e in events if e.type == type_ and e.subject == loan_id]


async def test_deceased_borrower_is_verified_then_proposed_for_write_off_and_written_off(desk, servicing):
    await servicing.disbursed("D1")
    await servicing.missed("D1", dpd=40)
    case = await desk.case_of("D1")
    cid = case["case_id"]
    li = desk.as_(case["assignee"], "collector")
    r = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={
        "channel": "phone", "outcome": "deceased_reported", "target": "family", "note": "wife says he died in May"})
    assert r.status_code == 201, r.text
    assert (r.json()["special_status"], r.json()["queue"]) == ("deceased_reported", "deceased")
    path_first = await desk.client.post(f"/v1/cases/{cid}/deceased/path", headers=desk.as_("wu", "legal"),
                                        json={"path": "write_off"})
    assert path_first.status_code == 409 and path_first.json()["error"]["code"] == "deceased_not_verified"
    legal = desk.as_("wu", "legal")
    verified = await desk.client.post(f"/v1/cases/{cid}/deceased/verification", headers=legal,
                                      json={"confirmed": True, "evidence": "death certificate; employer confirmed"})
    assert verified.json()["special_status"] == "deceased_verified"
    proposed = await desk.client.post(f"/v1/cases/{cid}/deceased/path", headers=legal,
                                      json={"path": "write_off", "note": "no estate, relatives decline"})
    assert proposed.json()["write_off_proposed"] is True
    decided = await desk.client.post(f"/v1/cases/{cid}/write-off", headers=legal,
                                     json={"reason": "deceased, no estate"})
    assert decided.status_code == 200 and decided.json()["write_off_decided"] is True
    published = await desk.published(lambda es: of_type(es, "collections.write_off.decided", "D1"))
    [decision] = of_type(published, "collections.write_off.decided", "D1")
    assert (decision.data["case_id"], decision.data["decided_by"]) == (cid, "wu")
    assert of_type(published, "collections.write_off.proposed", "D1")
    await servicing.written_off("D1", date(2026, 6, 1), cid)
    closed = await desk.until(cid, lambda v: v["status"] == "closed")
    assert closed["resolution"] == "written_off"
    await servicing.paid("D1", "800.00", date(2026, 7, 1), status="written_off")  # the estate pays something later
    recovered = await desk.until(cid, lambda v: v["recovered"] == "800.00")
    assert recovered["status"] == "closed"
    published = await desk.published(lambda es: of_type(es, "collections.recovery.attributed", "D1"))
    [credit] = of_type(published, "collections.recovery.attributed", "D1")
    assert (credit.data["amount"], credit.data["collector"]) == ("800.00", closed["assignee"])


async def test_relatives_repaying_a_deceased_borrowers_loan_go_to_the_estate_queue(desk, servicing):
    await servicing.missed("D2", dpd=10)
    case = await desk.case_of("D2")
    cid = case["case_id"]
    sup = desk.supervisor
    await desk.client.post(f"/v1/cases/{cid}/deceased", headers=sup, json={"reason": "obituary in local paper"})
    await desk.client.post(f"/v1/cases/{cid}/deceased/verification", headers=sup,
                           json={"confirmed": True, "evidence": "household registry record"})
    r = await desk.client.post(f"/v1/cases/{cid}/deceased/path", headers=sup,
                               json={"path": "estate_repayment", "note": "son will repay"})
    assert (r.json()["queue"], r.json()["assignee"], r.json()["special_path"]) == (
        "estate", "special-1", "estate_repayment")


async def test_fraud_moves_the_case_off_the_ordinary_path(desk, servicing):
    await servicing.missed("F1", dpd=5)
    case = await desk.case_of("F1")
    cid = case["case_id"]
    li = desk.as_(case["assignee"], "collector")
    r = await desk.client.post(f"/v1/cases/{cid}/fraud", headers=li,
                               json={"reason": "ID card used was reported stolen"})
    view = r.json()
    assert (view["special_status"], view["queue"], view["assignee"]) == ("fraud", "fraud", "fraud-1")
    assert view["legal_referred"] is True
    # later broken-promise or stage rules no longer apply; the collector lost the case to the fraud desk
    gone = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={"channel": "phone",
                                                                                  "outcome": "no_answer"})
    assert gone.status_code == 403
    await servicing.missed("F1", dpd=31)
    escalated = await desk.until(cid, lambda v: v["stage"] == "mid")
    assert escalated["queue"] == "fraud"
    # a skip trace would take the case back to the ordinary path: refused, nothing changed
    trace = await desk.client.post(f"/v1/cases/{cid}/skip-trace", headers=desk.supervisor,
                                   json={"reason": "number dead"})
    assert trace.status_code == 409 and trace.json()["error"]["code"] == "special_status_conflict"
    after = await desk.case(cid)
    assert (after["special_status"], after["queue"], len(after["timeline"])) == (
        "fraud", "fraud", len(escalated["timeline"]))
    published = await desk.published(lambda es: of_type(es, "collections.case.escalated", "F1"))
    decided = {e.data["rule_id"] for e in of_type(published, "collections.policy.decided", "F1")}
    assert "fraud-off-ordinary-path" in decided and "mid-registered-letter" not in decided


async def test_a_wrong_number_starts_a_skip_trace_through_the_three_contacts(desk, servicing):
    await servicing.disbursed("U1")
    await servicing.missed("U1", dpd=5)
    case = await desk.case_of("U1")
    cid = case["case_id"]
    li = desk.as_(case["assignee"], "collector")
    await desk.until(cid, lambda v: len(v["trace_contacts"]) == 3)
    r = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li,
                               json={"channel": "phone", "outcome": "wrong_number"})
    view = r.json()
    assert view["special_status"] == "unreachable"
    assert sorted(c["relation"] for c in view["trace_contacts"]) == ["family", "other", "work"]
    trace = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={
        "channel": "phone", "outcome": "third_party", "target": "work", "note": "left the company in March"})
    assert trace.status_code == 201


async def test_tags_show_the_tactic_and_roles_are_enforced(desk, servicing):
    await servicing.missed("T1", dpd=5)
    case = await desk.case_of("T1")
    cid = case["case_id"]
    li = desk.as_(case["assignee"], "collector")
    r = await desk.client.post(f"/v1/cases/{cid}/tags", headers=li, json={"behaviour": "hostile"})
    assert r.status_code == 201
    [tactic] = r.json()["tactics"]
    assert tactic["label_zh"] == "挑衅型" and "calm" in tactic["en"]
    bad = await desk.client.post(f"/v1/cases/{cid}/tags", headers=li, json={"behaviour": "grumpy"})
    assert bad.status_code == 422
    assert (await desk.client.get("/v1/cases")).status_code == 401
    assert (await desk.client.get("/v1/cases", headers=desk.as_("x", "reporting"))).status_code == 403
    assign = await desk.client.post(f"/v1/cases/{cid}/assign", headers=li, json={"collector": "someone"})
    assert assign.status_code == 403
    moved = await desk.client.post(f"/v1/cases/{cid}/assign", headers=desk.supervisor,
                                   json={"collector": "collector-f2", "reason": "cover for leave"})
    assert moved.json()["assignee"] == "collector-f2"
    queue = await desk.client.get("/v1/queue", headers=desk.as_("collector-f2", "collector"))
    assert [c["case_id"] for c in queue.json()["items"]] == [cid]
    escalate = await desk.client.post(f"/v1/cases/{cid}/escalate", headers=desk.supervisor,
                                      json={"reason": "threatened the collector"})
    assert escalate.json()["stage"] == "mid"
    missing = await desk.client.get("/v1/cases/nope", headers=desk.supervisor)
    assert missing.status_code == 404


async def test_the_queue_puts_promises_due_today_first_then_later_stages(desk, servicing):
    await servicing.missed("Q1", dpd=3)
    await servicing.missed("Q2", dpd=40, due=date(2026, 3, 15))
    await servicing.missed("Q3", dpd=5)
    cases = {loan: await desk.case_of(loan) for loan in ("Q1", "Q2", "Q3")}
    sup = desk.supervisor
    for c in cases.values():
        await desk.client.post(f"/v1/cases/{c['case_id']}/assign", headers=sup, json={"collector": "ma"})
    promised = await desk.client.post(f"/v1/cases/{cases['Q3']['case_id']}/promises", headers=sup,
                                      json={"amount": "100.00", "promised_date": "2026-04-25"})
    assert promised.status_code == 201, promised.text
    await servicing.day_closed(date(2026, 4, 25))
    await desk.handled(servicing.sent)
    idle = await desk.case(cases["Q1"]["case_id"])  # nothing due on it: day-close only counted its DPD up
    assert idle["days_past_due"] == 5
    queue = await desk.client.get("/v1/queue", headers=desk.as_("ma", "collector"))
    assert [c["loan_id"] for c in queue.json()["items"]] == ["Q3", "Q2", "Q1"]


async def test_statute_of_limitations_warns_restarts_and_flags_an_expired_debt(desk, servicing):
    """Due 20 April 2026: the debt is time-barred on 20 April 2029 unless acknowledged."""
    await servicing.missed("S1", dpd=100, amount="9000.00")
    case = await desk.case_of("S1")
    cid = case["case_id"]
    assert (await desk.until(cid, lambda v: v["legal_referred"]))["queue"] == "legal"
    await servicing.day_closed(date(2029, 1, 25))
    warned = await desk.until(cid, lambda v: v["statute"]["warned"])
    assert warned["statute"]["expires_on"] == "2029-04-20"
    legal = desk.as_("wu", "legal")
    future = await desk.client.post(f"/v1/cases/{cid}/statute/restart", headers=legal, json={
        "kind": "acknowledgement", "on": "2029-03-01", "evidence": "signed"})
    assert future.status_code == 422
    restarted = await desk.client.post(f"/v1/cases/{cid}/statute/restart", headers=legal, json={
        "kind": "acknowledgement", "on": "2029-01-25", "evidence": "borrower signed a debt acknowledgement"})
    assert restarted.json()["statute"]["expires_on"] == "2032-01-25"
    await servicing.day_closed(date(2032, 1, 25))
    expired = await desk.until(cid, lambda v: v["statute"]["expired"])
    assert expired["statute"]["legal_action_allowed"] is False
    assert (expired["queue"], expired["legal_referred"]) == ("back", False)
    published = await desk.published(lambda es: of_type(es, "collections.statute.expired", "S1"))
    assert [e.data["days_left"] for e in of_type(published, "collections.statute.warned", "S1")] == [85]
    assert of_type(published, "collections.statute.restarted", "S1")


async def test_a_retried_contact_with_the_same_idempotency_key_is_logged_once(desk, servicing):
    await servicing.missed("I1", dpd=2)
    case = await desk.case_of("I1")
    li = {**desk.as_(case["assignee"], "collector"), "Idempotency-Key": "call-0001"}
    url = f"/v1/cases/{case['case_id']}/contacts"
    first = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer"})
    again = await desk.client.post(url, headers=li, json={"channel": "phone", "outcome": "no_answer"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    other = await desk.client.post(url, headers=li, json={"channel": "sms", "outcome": "no_answer"})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    timeline = (await desk.case(case["case_id"]))["timeline"]
    assert [t["type"] for t in timeline].count("collections.contact.logged") == 1


async def test_a_nul_character_in_request_text_is_422_and_records_nothing(desk, servicing):
    """PostgreSQL cannot store U+0000: a note, a case id or a filter holding one is bad input, not a 500."""
    await servicing.missed("N1", dpd=2)
    case = await desk.case_of("N1")
    cid = case["case_id"]
    li = desk.as_(case["assignee"], "collector")
    before = (await desk.case(cid))["timeline"]
    note = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li,
                                  json={"channel": "sms", "outcome": "no_answer", "note": "left\u0000a note"})
    assert note.status_code == 422 and note.json()["error"]["code"] == "invalid_text"
    tag = await desk.client.post(f"/v1/cases/{cid}/disputes", headers=li, json={"reason": "fees\u0000"})
    assert tag.status_code == 422 and tag.json()["error"]["code"] == "invalid_text"
    path = await desk.client.get(f"/v1/cases/{cid}%00", headers=desk.supervisor)
    assert path.status_code == 422 and path.json()["error"]["code"] == "invalid_text"
    listed = await desk.client.get("/v1/cases", params={"loan_id": "N1\u0000"}, headers=desk.supervisor)
    assert listed.status_code == 422
    after = await desk.case(cid)
    assert (after["timeline"], after["last_contact_at"], after["disputed"]) == (before, None, False)


async def test_a_cursor_this_api_never_issued_is_400_bad_cursor(desk, servicing):
    await servicing.missed("K1", dpd=2)
    await desk.case_of("K1")
    for cursor in ("\u00b2", "\u0663", "9" * 20, "-1", "abc"):  # superscript two, Arabic-Indic three, past bigint
        for url in ("/v1/cases", "/v1/queue"):
            r = await desk.client.get(url, params={"cursor": cursor}, headers=desk.supervisor)
            assert r.status_code == 400 and r.json()["error"]["code"] == "bad_cursor", (url, cursor, r.text)
    fine = await desk.client.get("/v1/cases", params={"cursor": "0", "limit": 1}, headers=desk.supervisor)
    assert fine.status_code == 200 and [c["loan_id"] for c in fine.json()["items"]] == ["K1"]
