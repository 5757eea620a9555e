"""Erasure in collections (issue 16): the loan file arrives sealed with the borrower's key; the case shows it
(masked, or revealed) through collections' copy of the key; `loan.borrower.erased` destroys that copy, the
case shows "erased", and collections' event store is unchanged byte for byte."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from loanflow.testing import eventually
from services.origination.adapters.data_keys import seal_data
from shared.contracts import make_event
from shared.contracts import origination as og
from shared.datakeys import ERASED, DataKey, KeyRing
from shared.secretbox import SecretBox
from tests.collections.test_promises_and_contacts import of_type


def _sealed_disbursed(loan_id: str, key: DataKey):
    contacts = [og.ContactPerson(relation="family", name="王芳", phone="13800000001"),
                og.ContactPerson(relation="other", name="赵强", phone="13800000002"),
                og.ContactPerson(relation="work", name="钱经理", phone="13800000003")]
    data = og.LoanDisbursed(loan_id=loan_id, application_id=f"A-{loan_id}",
                            borrower=og.Borrower(name="张伟", id_number_masked="110101********1234",
                                                 phone="13900000000", region="Shanghai",
                                                 addresses=og.Addresses(home="上海市徐汇区漕溪北路88号")),
                            principal=Decimal("12000.00"), annual_rate=Decimal("0.12"), term_months=12,
                            repayment_method="equal_installment", disbursement_date=date(2026, 3, 1),
                            due_day=20, product="credit", contacts=contacts, disbursed_by="cm")
    event = make_event("origination", data, subject=loan_id, businessdate=date(2026, 3, 1))
    return event.model_copy(update={"data": seal_data(event.type, event.data, key)})


def _origination_keys(desk, key: DataKey) -> list[list[str]]:
    """Collections' key ring asks a stand-in for origination's `GET /v1/data-keys`; returns what it was asked."""
    box = SecretBox(desk.platform.secrets_key_material())
    asked: list[list[str]] = []

    async def origination(ids: list[str]) -> dict[str, str | None]:  # what GET /v1/data-keys answers
        asked.append(ids)
        return {key.key_id: key.to_sealed(box)} if key.key_id in ids else {}

    desk.app.state.collections.ring = KeyRing(box, origination, writer=desk.app.state.kernel.db.acquire)
    return asked


def _erasure(key: DataKey, loan_id: str):
    return make_event("origination", og.BorrowerErased(borrower_id=key.key_id, erased_by="root",
                                                       erased_on=date(2031, 3, 1), application_ids=[f"A-{loan_id}"],
                                                       loan_ids=[loan_id]),
                      subject=key.key_id, businessdate=date(2031, 3, 1))


async def test_a_sealed_loan_file_is_shown_until_the_borrower_is_erased(desk, servicing):
    key = DataKey.generate()
    asked = _origination_keys(desk, key)
    disbursed = _sealed_disbursed("E1", key)
    assert "张伟" not in disbursed.to_json_bytes().decode()
    await servicing.send("origination", "E1", servicing.stamp("E1", disbursed))
    await servicing.missed("E1", dpd=2)
    case = await desk.case_of("E1")
    await desk.handled(servicing.sent)
    view = await desk.case(case["case_id"])
    assert view["borrower"]["name"] == "张伟"
    points = {p["point_id"]: p["value"] for p in view["contact_points"]}
    assert points["borrower-phone"] == "139****0000" and points["contact-family"] == "138****0001"
    assert points["borrower-home"] == "上海市徐汇区****"
    revealed = await desk.client.get(f"/v1/cases/{case['case_id']}?reveal=true&reason=call%20back",
                                     headers=desk.supervisor)
    assert revealed.status_code == 200, revealed.text
    assert {p["point_id"]: p["value"] for p in revealed.json()["contact_points"]}["borrower-phone"] == "13900000000"
    listed = (await desk.client.get("/v1/cases", params={"loan_id": "E1"}, headers=desk.supervisor)).json()
    assert (listed["items"][0]["borrower_name_masked"], listed["items"][0]["borrower_phone_masked"]) == (
        "张*", "139****0000")
    assert asked == [[key.key_id]]  # fetched once, then held (sealed) in collections' own key table

    async with desk.app.state.kernel.db.acquire() as conn:
        before = [tuple(r) for r in await conn.fetch(
            "SELECT position, stream_id, version, event_id, type, envelope::text FROM events ORDER BY position")]
        assert await conn.fetchval("SELECT sealed FROM data_keys WHERE key_id = $1", key.key_id)
    erased = _erasure(key, "E1")
    await servicing.send("origination", key.key_id, erased)
    await desk.handled({erased.id})
    view = await eventually(lambda: _erased_view(desk, case["case_id"]))
    assert view["borrower"]["name"] == ERASED and view["borrower"]["phone"] == ERASED
    assert {p["value"] for p in view["contact_points"] if p["source"] == "origination"} == {ERASED}
    revealed = await desk.client.get(f"/v1/cases/{case['case_id']}?reveal=true&reason=after%20erasure",
                                     headers=desk.supervisor)
    assert all(p["value"] == ERASED for p in revealed.json()["contact_points"] if p["source"] == "origination")
    listed = await desk.client.get("/v1/cases", params={"loan_id": "E1"}, headers=desk.supervisor)
    assert (listed.json()["items"][0]["borrower_name_masked"], listed.json()["items"][0]["borrower_phone_masked"]) == (
        ERASED, ERASED)
    for plain in ("张伟", "13900000000", "王芳", "漕溪北路"):
        assert plain not in revealed.text and plain not in listed.text
    async with desk.app.state.kernel.db.acquire() as conn:
        after = [tuple(r) for r in await conn.fetch(
            "SELECT position, stream_id, version, event_id, type, envelope::text FROM events ORDER BY position")]
        row = await conn.fetchrow("SELECT sealed, erased_at FROM data_keys WHERE key_id = $1", key.key_id)
    assert after == before, "collections' event store is unchanged byte for byte"
    assert row["sealed"] is None and row["erased_at"] is not None
    assert asked == [[key.key_id]]  # an erased key is never asked for again


async def _erased_view(desk, case_id: str):
    view = await desk.case(case_id)
    return view if view["borrower"]["name"] == ERASED else None


PHONE, ADDRESS = "13612345678", "杭州市西湖区文三路518号"
NOTE = "妻子李娜说他已搬到杭州市西湖区文三路518号，新手机13612345678"
COMPLAINT = "催收员把我的新号码13612345678告诉了我同事孙丽"
RECORDED = (PHONE, "文三路518号", "李娜", "孙丽")  # what the collector recorded, in no stored row in plain


async def _rows(desk) -> dict[str, list[tuple]]:
    """Collections' stored rows that hold what a case records: events, case rows, complaints, outbox."""
    async with desk.app.state.kernel.db.acquire() as conn:
        return {
            "events": [tuple(r) for r in await conn.fetch(
                "SELECT position, stream_id, version, event_id, type, envelope::text FROM events ORDER BY position")],
            "cases": [tuple(r) for r in await conn.fetch("SELECT case_id, version, state::text FROM cases "
                                                         "ORDER BY case_id")],
            "complaints": [tuple(r) for r in await conn.fetch("SELECT * FROM complaints ORDER BY complaint_id")]}


async def test_a_collectors_trace_finding_and_notes_are_sealed_shown_opened_then_erased(desk, servicing):
    """A collector finds the borrower's new phone and address, logs a call with a note naming his wife, and a
    complaint names a colleague: all stored sealed with the borrower's key, shown opened (the points masked
    unless revealed), published masked where the topic masks them; after `loan.borrower.erased` all show
    "erased", collections' store unchanged but for its key table, and nothing more is recorded (409)."""
    key = DataKey.generate()
    _origination_keys(desk, key)
    await servicing.send("origination", "E2", servicing.stamp("E2", _sealed_disbursed("E2", key)))
    await servicing.missed("E2", dpd=2)
    case = await desk.case_of("E2")
    cid, li = case["case_id"], desk.as_(case["assignee"], "collector")
    await desk.handled(servicing.sent)

    phone = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": PHONE, "relation": "borrower", "source": "trace"})
    assert phone.status_code == 201, phone.text
    assert phone.json()["value"] == "136****5678"
    home = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "address", "value": ADDRESS, "relation": "borrower", "source": "trace"})
    assert home.status_code == 201 and home.json()["value"] == "杭州市西湖区****", home.text
    again = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": PHONE, "relation": "borrower", "source": "trace"})
    assert again.json()["error"]["code"] == "contact_point_exists"  # compared with the sealed finding, opened
    logged = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={
        "channel": "phone", "outcome": "no_answer", "target": phone.json()["point_id"], "note": NOTE})
    assert logged.status_code == 201, logged.text
    complained = await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "privacy", "description": COMPLAINT})
    assert complained.status_code == 201 and complained.json()["description"] == COMPLAINT, complained.text

    stored = await _rows(desk)
    text = repr(stored)
    for plain in RECORDED:
        assert plain not in text, f"{plain} stored in plain"
    published = await desk.published(lambda es: of_type(es, "collections.complaint.opened", "E2"))
    on_topic = "".join(e.model_dump_json() for e in published)
    for plain in RECORDED:
        assert plain not in on_topic
    [added_phone, added_home] = of_type(published, "collections.contact_point.added", "E2")
    assert (key.open(added_phone.data["value"]), key.open(added_home.data["value"])) == ("136****5678",
                                                                                           "杭州市西湖区****")
    [note] = [e.data["note"] for e in of_type(published, "collections.contact.logged", "E2")]
    assert key.open(note) == NOTE  # not masked on publish: the consumers open it with their copy, as before
    [opened] = of_type(published, "collections.complaint.opened", "E2")
    assert key.open(opened.data["description"]) == "催收员把我的新号码136****5678告诉了我同事孙丽"

    view = await desk.case(cid)
    findings = {p["kind"]: p["value"] for p in view["contact_points"] if p["source"] == "trace"}
    assert findings == {"phone": "136****5678", "address": "杭州市西湖区****"}
    [logged_event] = [t for t in view["timeline"] if t["type"] == "collections.contact.logged"]
    assert logged_event["data"]["note"] == NOTE
    assert {t["data"]["value"] for t in view["timeline"] if t["type"] == "collections.contact_point.added"} == {
        "136****5678", "杭州市西湖区****"}
    assert view["complaints"][0]["description"] == COMPLAINT
    revealed = (await desk.client.get(f"/v1/cases/{cid}?reveal=true&reason=visit", headers=desk.supervisor)).json()
    assert {p["value"] for p in revealed["contact_points"] if p["source"] == "trace"} == {PHONE, ADDRESS}
    listed = (await desk.client.get("/v1/complaints", params={"case_id": cid}, headers=desk.supervisor)).json()
    assert [c["description"] for c in listed["items"]] == [COMPLAINT]
    audited = await desk.client.get(f"/v1/cases/{cid}", headers=desk.as_("au", "auditor"))
    assert audited.status_code == 200, audited.text  # the auditor's read-only view: what the topic has
    for plain in (PHONE, ADDRESS, "文三路518号", "李娜"):  # the complaint's masked text as on the topic, no more
        assert plain not in audited.text, plain
    seen = audited.json()
    assert [t["data"]["note"] for t in seen["timeline"] if t["type"] == "collections.contact.logged"] == ["****"]
    assert seen["complaints"][0]["description"] == "催收员把我的新号码136****5678告诉了我同事孙丽"
    assert {p["value"] for p in seen["contact_points"] if p["source"] == "trace"} == {"136****5678", "杭州市西湖区****"}
    assert {t["data"]["value"] for t in seen["timeline"] if t["type"] == "collections.contact_point.added"} == {
        "136****5678", "杭州市西湖区****"}

    await servicing.send("origination", key.key_id, erased := _erasure(key, "E2"))
    await desk.handled({erased.id})
    view = await eventually(lambda: _erased_view(desk, cid))
    assert {p["value"] for p in view["contact_points"] if p["source"] == "trace"} == {ERASED}
    assert [t["data"]["note"] for t in view["timeline"] if t["type"] == "collections.contact.logged"] == [ERASED]
    assert view["complaints"][0]["description"] == ERASED
    revealed = await desk.client.get(f"/v1/cases/{cid}?reveal=true&reason=after", headers=desk.supervisor)
    listed = await desk.client.get("/v1/complaints", params={"case_id": cid}, headers=desk.supervisor)
    assert listed.json()["items"][0]["description"] == ERASED
    for plain in RECORDED:
        assert plain not in revealed.text and plain not in listed.text and plain not in repr(view)
    assert await _rows(desk) == stored, "collections' store is unchanged byte for byte (but its key table)"

    refused = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li, json={
        "kind": "phone", "value": "13500000000", "relation": "borrower", "source": "trace"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "borrower_erased", refused.text
    refused = await desk.client.post(f"/v1/cases/{cid}/complaints", headers=li, json={
        "category": "other", "description": "again"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "borrower_erased"
    unrecorded = await desk.client.post(f"/v1/cases/{cid}/contacts", headers=li, json={
        "channel": "phone", "outcome": "no_answer", "target": "borrower", "note": "a new note"})
    assert unrecorded.status_code == 409
    assert await _rows(desk) == stored, "a refusal records nothing"


async def test_a_loan_from_before_data_keys_records_plain(desk, servicing):
    """A plaintext loan.disbursed carries no borrower key: what the case records stays plain, as its file."""
    await desk.handled({await servicing.disbursed("P1")})
    await servicing.missed("P1", dpd=2)
    case = await desk.case_of("P1")
    li = desk.as_(case["assignee"], "collector")
    added = await desk.client.post(f"/v1/cases/{case['case_id']}/contact-points", headers=li, json={
        "kind": "phone", "value": PHONE, "relation": "borrower", "source": "trace"})
    assert added.status_code == 201, added.text
    assert PHONE in repr(await _rows(desk))


async def test_the_policys_letter_to_the_loan_files_address_is_published_masked(desk, servicing):
    """Entering mid-end, the escalation policy sends a registered letter to the home address on the loan file,
    sealed in one part at origination: with collections' copy of the key (fetched when the case was first
    shown) the letter records it in two parts, so the topic carries only the masked address."""
    key = DataKey.generate()
    _origination_keys(desk, key)
    disbursed = servicing.stamp("E4", _sealed_disbursed("E4", key))
    await servicing.send("origination", "E4", disbursed)
    await desk.handled({disbursed.id})  # the loan file comes weeks before the first miss
    await servicing.missed("E4", dpd=2)
    case = await desk.case_of("E4")
    assert (await desk.case(case["case_id"]))["borrower"]["name"] == "张伟"  # shown: the key is fetched
    await servicing.day_closed(date(2026, 5, 21))
    view = await desk.until(case["case_id"], lambda v: v["letters"])
    assert view["stage"] == "mid" and view["letters"][0]["sent_by"] == "policy"
    published = await desk.published(lambda es: of_type(es, "collections.letter.sent", "E4"))
    [sent] = of_type(published, "collections.letter.sent", "E4")
    assert key.open(sent.data["address"]) == "上海市徐汇区****"
    async with desk.app.state.kernel.db.acquire() as conn:
        stored = await conn.fetchval("SELECT envelope->'data'->>'address' FROM events WHERE type = $1",
                                     "collections.letter.sent")
    assert key.open(stored) == "上海市徐汇区漕溪北路88号"  # the store keeps the full address, for the letter's PDF


async def test_qa_notes_about_a_call_are_sealed_shown_opened_then_erased(desk, servicing):
    """A reviewer's note on a sampled call and the collector's acknowledgement are recorded sealed with the
    borrower's key (events and QA rows), shown opened on the QA pages, then "erased"."""
    from tests.collections.test_qa_api import QA, WEEK, all_pass, recording

    key = DataKey.generate()
    _origination_keys(desk, key)
    disbursed = servicing.stamp("E5", _sealed_disbursed("E5", key))
    await servicing.send("origination", "E5", disbursed)
    await desk.handled({disbursed.id})
    await servicing.missed("E5", dpd=2)
    case = await desk.case_of("E5")
    li = desk.as_(case["assignee"], "collector")
    logged = await desk.client.post(f"/v1/cases/{case['case_id']}/contacts", headers=li, json={
        "channel": "phone", "outcome": "no_answer", "recording": recording(1)})
    assert logged.status_code == 201, logged.text
    await servicing.day_closed(date(2026, 4, 27))
    await desk.handled(servicing.sent)
    qa = desk.as_(*QA)
    [item] = (await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=qa)).json()["items"]
    review_note, ack_note = "接电话的是他妻子李娜，催收员对她透露了欠款", "已向李娜道歉"
    reviewed = await desk.client.post(f"/v1/contacts/{item['contact_id']}/qa-reviews", headers=qa, json={
        "scores": all_pass(no_threat_or_abuse="fail"), "note": review_note})
    assert reviewed.status_code == 201 and reviewed.json()["note"] == review_note, reviewed.text
    [finding] = reviewed.json()["findings"]
    acked = await desk.client.post(f"/v1/qa-findings/{finding['finding_id']}/acknowledge", headers=li,
                                   json={"note": ack_note})
    assert acked.status_code == 200 and acked.json()["acknowledgement"] == ack_note, acked.text

    async with desk.app.state.kernel.db.acquire() as conn:
        stored = repr([tuple(r) for r in await conn.fetch("SELECT envelope::text FROM events")]
                      + [tuple(r) for r in await conn.fetch("SELECT review::text FROM qa_reviews")]
                      + [tuple(r) for r in await conn.fetch("SELECT finding::text FROM qa_findings")])
    assert "李娜" not in stored
    [sampled] = (await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=qa)).json()["items"]
    assert sampled["review"]["note"] == review_note
    [listed] = (await desk.client.get("/v1/qa-findings", headers=li)).json()["items"]
    assert listed["acknowledgement"] == ack_note

    await servicing.send("origination", key.key_id, erased := _erasure(key, "E5"))
    await desk.handled({erased.id})
    [sampled] = (await desk.client.get("/v1/qa/sample", params={"week": WEEK}, headers=qa)).json()["items"]
    assert sampled["review"]["note"] == ERASED
    [listed] = (await desk.client.get("/v1/qa-findings", headers=li)).json()["items"]
    assert listed["acknowledgement"] == ERASED


async def test_a_stored_answer_showing_opened_text_is_forgotten_after_three_days(desk, servicing):
    """An Idempotency-Key's stored answer shows what the command recorded opened (here a complaint): day-close
    forgets answers older than three days, so none outlives the retention before an erasure."""
    key = DataKey.generate()
    _origination_keys(desk, key)
    disbursed = servicing.stamp("E6", _sealed_disbursed("E6", key))
    await servicing.send("origination", "E6", disbursed)
    await desk.handled({disbursed.id})
    await servicing.missed("E6", dpd=2)
    case = await desk.case_of("E6")
    li = desk.as_(case["assignee"], "collector")
    made = await desk.client.post(f"/v1/cases/{case['case_id']}/complaints", headers=li | {"Idempotency-Key": "k6"},
                                  json={"category": "privacy", "description": COMPLAINT})
    assert made.status_code == 201, made.text
    async with desk.app.state.kernel.db.acquire() as conn:
        assert COMPLAINT in await conn.fetchval("SELECT response::text FROM idempotency_keys WHERE key = 'k6'")
        await conn.execute("UPDATE idempotency_keys SET created_at = now() - interval '73 hours' WHERE key = 'k6'")
    await servicing.day_closed(date(2026, 4, 23))
    await desk.handled(servicing.sent)
    async with desk.app.state.kernel.db.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = 'k6'") == 0
