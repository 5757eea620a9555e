"""Letters through the running service (PostgreSQL + broker): the policy's demand notice, a collector's
registered letter as a PDF with Chinese text, a return, a delivery that restarts the statute clock."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.collections.domain.letters import valid_tracking_number
from shared.contracts import make_event
from shared.contracts import origination as og

HOME = "上海市静安区南京西路1号1201室"


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as poppler's pdftotext reads it."""
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text cannot be read")
    return subprocess.run([tool, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def of_type(events, type_, loan_id):
    return [e for e in events if e.type == type_ and e.subject == loan_id]


async def disbursed_with_home(desk, servicing, loan_id: str) -> None:
    """loan.disbursed v2: the borrower's home address is on the loan file (handled before anything else is sent:
    a disbursement precedes a missed installment by weeks, and the policy's letter needs the address)."""
    data = og.LoanDisbursed(loan_id=loan_id, application_id=f"A-{loan_id}", principal=Decimal("12000.00"),
                            borrower=og.Borrower(name="张伟", id_number_masked="110101********1234",
                                                 phone="13900000000", addresses=og.Addresses(home=HOME)),
                            annual_rate=Decimal("0.12"), term_months=12, repayment_method="equal_installment",
                            disbursement_date=date(2026, 3, 1), due_day=20, product="credit", contacts=[],
                            disbursed_by="cm")
    event = make_event("origination", data, subject=loan_id, businessdate=date(2026, 3, 1))
    await servicing.send("origination", loan_id, event)
    await desk.handled({event.id})


async def mid_case(desk, servicing, loan_id: str) -> tuple[str, dict[str, str]]:
    """张伟's 20 April installment of 1,066.19 unpaid for 31 days: a mid-end case; business date 22 May."""
    await disbursed_with_home(desk, servicing, loan_id)
    await servicing.missed(loan_id, dpd=31)
    case = await desk.case_of(loan_id)
    await servicing.day_closed(date(2026, 5, 22))
    await desk.until(case["case_id"], lambda v: v["days_past_due"] == 32)
    return case["case_id"], desk.as_(case["assignee"], "collector")


async def test_the_policy_sends_a_registered_demand_notice_when_a_case_enters_mid_end(desk, servicing):
    cid, li = await mid_case(desk, servicing, "LT1")
    r = await desk.client.get(f"/v1/cases/{cid}/letters", headers=li)
    assert r.status_code == 200, r.text
    [letter] = r.json()["items"]
    assert (letter["template"], letter["registered"], letter["sent_by"], letter["rule_id"], letter["status"]) == (
        "demand_notice", True, "policy", "mid-registered-letter", "sent")
    assert valid_tracking_number(letter["tracking_number"])
    view = await desk.case(cid)
    assert view["letters"] == [letter] and not [s for s in view["scheduled"] if s["channel"] == "letter"]
    published = await desk.published(lambda es: of_type(es, "collections.letter.sent", "LT1"))
    [sent] = of_type(published, "collections.letter.sent", "LT1")
    assert (sent.data["letter_id"], sent.data["total_due"], sent.data["amount_overdue"]) == (
        letter["letter_id"], "1066.19", "1066.19")
    [decision] = [e for e in of_type(published, "collections.policy.decided", "LT1")
                  if e.data["rule_id"] == "mid-registered-letter"]
    assert {"type": "send_letter", "template": "demand_notice", "registered": True,
            "letter_id": letter["letter_id"]} in decision.data["actions"]


async def test_a_registered_demand_letter_renders_in_chinese_and_its_delivery_restarts_the_statute(desk, servicing):
    cid, li = await mid_case(desk, servicing, "LT2")
    r = await desk.client.post(f"/v1/cases/{cid}/letters", headers=li,
                               json={"template": "demand_notice", "registered": True,
                                     "tracking_number": "XA123456785CN"})
    assert r.status_code == 201, r.text
    assert r.json() == {"letter_id": f"{cid}-L2", "tracking_number": "XA123456785CN"}
    pdf = await desk.client.get(f"/v1/cases/{cid}/letters/{cid}-L2.pdf", headers=li)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    again = await desk.client.get(f"/v1/cases/{cid}/letters/{cid}-L2.pdf", headers=li)
    assert again.content == pdf.content  # rendered from the recorded event, the same bytes each time
    text = pdf_text(pdf.content)
    for words in ("催收通知书", "张伟", "LT2", "1,066.19", "逾期32天", "2026年5月29日前", "XA123456785CN", "回执",
                  HOME):
        assert words in text, words

    delivered = await desk.client.post(f"/v1/cases/{cid}/letters/{cid}-L2/delivered", headers=li,
                                       json={"on": "2026-05-22"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json()["statute"]["runs_from"] == "2026-05-22"
    assert delivered.json()["statute"]["expires_on"] == "2029-05-22"
    assert delivered.json()["letters"][1]["status"] == "delivered"
    published = await desk.published(lambda es: of_type(es, "collections.statute.restarted", "LT2"))
    [restarted] = of_type(published, "collections.statute.restarted", "LT2")
    assert (restarted.data["kind"], restarted.data["on"]) == ("demand", "2026-05-22")
    assert f"{cid}-L2" in restarted.data["evidence"]


async def test_a_returned_letter_is_recorded_and_bad_input_is_a_clear_4xx_recording_nothing(desk, servicing):
    cid, li = await mid_case(desk, servicing, "LT3")
    keyed = {**li, "Idempotency-Key": "reminder-LT3"}
    r = await desk.client.post(f"/v1/cases/{cid}/letters", headers=keyed,
                               json={"template": "reminder", "registered": False})
    assert r.status_code == 201 and r.json()["tracking_number"] is None
    again = await desk.client.post(f"/v1/cases/{cid}/letters", headers=keyed,
                                   json={"template": "reminder", "registered": False})
    assert (again.status_code, again.json(), again.headers["Idempotent-Replayed"]) == (201, r.json(), "true")
    reused = await desk.client.post(f"/v1/cases/{cid}/letters", headers=keyed,
                                    json={"template": "pre_legal", "registered": True})
    assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused"
    assert len((await desk.case(cid))["letters"]) == 2  # the policy's demand notice and one reminder
    returned = await desk.client.post(f"/v1/cases/{cid}/letters/{cid}-L2/returned", headers=li,
                                      json={"reason": "查无此人"})
    assert returned.status_code == 200, returned.text
    letter = returned.json()["letters"][1]
    assert (letter["status"], letter["returned_on"], letter["return_reason"]) == ("returned", "2026-05-22", "查无此人")
    assert letter["address_point_id"] == "borrower-home"  # the home address on the loan file
    [home] = [p for p in returned.json()["contact_points"] if p["point_id"] == "borrower-home"]
    assert (home["status"], home["status_reason"]) == ("invalid", "returned_letter")
    there_again = await desk.client.post(f"/v1/cases/{cid}/letters", headers=li, json={
        "template": "reminder", "registered": False, "address_point_id": "borrower-home"})
    assert there_again.status_code == 409 and there_again.json()["error"]["code"] == "address_invalid"
    published = await desk.published(lambda es: of_type(es, "collections.letter.returned", "LT3"))
    assert of_type(published, "collections.letter.returned", "LT3")[0].data["letter_id"] == f"{cid}-L2"

    before = (await desk.case(cid))["letters"]
    refusals = [
        ("post", f"/v1/cases/{cid}/letters", {"template": "final_demand", "registered": True}, 422),
        ("post", f"/v1/cases/{cid}/letters", {"template": "pre_legal", "tracking_number": "XA123456784CN"}, 422),
        ("post", f"/v1/cases/{cid}/letters/{cid}-L2/returned", {}, 409),  # already returned
        ("post", f"/v1/cases/{cid}/letters/{cid}-L2/delivered", {"on": "2026-05-22"}, 409),
        ("post", f"/v1/cases/{cid}/letters/{cid}-L1/delivered", {"on": "2026-06-30"}, 422),  # after business date
        ("post", f"/v1/cases/{cid}/letters/{cid}-L9/delivered", {"on": "2026-05-22"}, 404),
        ("get", f"/v1/cases/{cid}/letters/{cid}-L9.pdf", None, 404),
        ("get", "/v1/cases/NOPE-E1/letters", None, 404),
    ]
    for method, url, body, status in refusals:
        answer = await desk.client.request(method, url, headers=li, json=body)
        assert answer.status_code == status, (url, body, answer.text)
    assert (await desk.case(cid))["letters"] == before
    other = await desk.client.post(f"/v1/cases/{cid}/letters", headers=desk.as_("someone", "collector"),
                                   json={"template": "reminder", "registered": False})
    assert other.status_code == 403 and other.json()["error"]["code"] == "not_assignee"


async def test_the_policys_letter_skips_an_address_marked_invalid_and_without_a_valid_one_is_not_sent(
        desk, servicing):
    """A front-end case whose home address was marked invalid enters mid-end: the policy's demand notice
    goes to the address tracing found; on a case with no valid address it is recorded skipped, not sent."""
    moved = "上海市闵行区莘庄镇都市路88号"
    for loan_id, found, due in (("LT4", moved, date(2026, 4, 20)), ("LT5", None, date(2026, 4, 25))):
        await disbursed_with_home(desk, servicing, loan_id)
        await servicing.missed(loan_id, dpd=29, due=due)
        case = await desk.case_of(loan_id)
        cid, li = case["case_id"], desk.as_(case["assignee"], "collector")
        r = await desk.client.post(f"/v1/cases/{cid}/contact-points/borrower-home/status", headers=li,
                                   json={"status": "invalid", "reason": "moved"})
        assert r.status_code == 200, r.text
        if found:
            r = await desk.client.post(f"/v1/cases/{cid}/contact-points", headers=li,
                                       json={"kind": "address", "value": found, "source": "trace"})
            assert r.status_code == 201, r.text
            found_id = r.json()["point_id"]
        await servicing.day_closed(due + timedelta(days=31))  # 31 days past due: mid-end
        view = await desk.until(cid, lambda v: v["stage"] == "mid")
        published = await desk.published(lambda es, lid=loan_id: [
            e for e in of_type(es, "collections.policy.decided", lid) if e.data["rule_id"] == "mid-registered-letter"])
        [decision] = [e for e in of_type(published, "collections.policy.decided", loan_id)
                      if e.data["rule_id"] == "mid-registered-letter"]
        [letter_action] = [a for a in decision.data["actions"] if a["type"] == "send_letter"]
        if found:
            [letter] = view["letters"]
            assert (letter["address_point_id"], letter["sent_by"]) == (found_id, "policy")
            assert letter_action["letter_id"] == letter["letter_id"]
            [sent] = of_type(published, "collections.letter.sent", loan_id)
            assert sent.data["address"] == "上海市闵行区****"  # masked on the topic
        else:
            assert view["letters"] == [] and not of_type(published, "collections.letter.sent", loan_id)
            assert letter_action == {"type": "send_letter", "template": "demand_notice", "registered": True,
                                     "skipped": "no_valid_address"}
            assert not [s for s in view["scheduled"] if s["channel"] == "letter"]


async def test_a_letter_shows_overdue_principal_and_interest_on_separate_lines_from_servicings_notice(
        desk, servicing):
    """loan.payment.missed with principal_overdue (as servicing's day-close sends it): the policy's demand
    notice carries the split, and its PDF has 逾期本金 and 逾期利息 lines instead of one 逾期本息 figure."""
    await disbursed_with_home(desk, servicing, "LT6")
    notice = servicing.missed_event("LT6", dpd=31)
    notice = notice.model_copy(update={"data": {**notice.data, "principal_overdue": "956.19"}})
    await servicing.send("servicing", "LT6", notice)
    case = await desk.case_of("LT6")
    cid, li = case["case_id"], desk.as_(case["assignee"], "collector")
    [letter] = (await desk.until(cid, lambda v: v["letters"]))["letters"]
    published = await desk.published(lambda es: of_type(es, "collections.letter.sent", "LT6"))
    [sent] = of_type(published, "collections.letter.sent", "LT6")
    assert (sent.data["principal_overdue"], sent.data["interest_overdue"], sent.data["amount_overdue"]) == (
        "956.19", "110.00", "1066.19")
    pdf = await desk.client.get(f"/v1/cases/{cid}/letters/{letter['letter_id']}.pdf", headers=li)
    assert pdf.status_code == 200, pdf.text
    text = pdf_text(pdf.content)
    for words in ("逾期本金", "956.19", "逾期利息", "110.00", "罚息", "合计应还", "1,066.19"):
        assert words in text, words
    assert "逾期本息" not in text
