"""From filing to disbursement over the REST API, with loan.disbursed observed on Kafka."""

from __future__ import annotations

import json
from datetime import date

from loanflow.testing import read_events
from shared.contracts import CloudEvent, parse_data
from shared.contracts.export import SCHEMA_DIR
from shared.contracts.origination import LoanDisbursed
from shared.pii import mask_id_number

from .conftest import records_until
from .factory import application


async def test_zhang_weis_credit_loan_is_filed_reviewed_three_times_and_disbursed(desk):
    body = application(amount="50000.00", due_day=15)
    app_id = await desk.filed(body)
    state = await desk.get(app_id)
    assert state["status"] == "submitted"
    assert state["next_step"] == {"action": "review", "stage": "client_manager", "role": "client_manager"}
    assert state["applicant"]["id_number"] != body["applicant"]["id_number"]  # masked in answers

    assert (await desk.review(app_id, "client_manager", "alice", note="contacts confirmed")).status_code == 201
    after_first = await desk.get(app_id)
    assert after_first["status"] == "under_review"
    assert after_first["next_step"]["stage"] == "team_manager"
    assert [v["relation"] for v in after_first["reviews"][0]["contact_verifications"]] == ["family", "other", "work"]

    assert (await desk.review(app_id, "team_manager", "bob")).status_code == 201
    assert (await desk.review(app_id, "credit_manager", "carol")).status_code == 201
    approved = await desk.get(app_id)
    assert approved["status"] == "approved"
    assert approved["next_step"] == {"action": "disbursement", "role": "credit_manager"}
    assert [(r["stage"], r["reviewer"]) for r in approved["reviews"]] == [
        ("client_manager", "alice"), ("team_manager", "bob"), ("credit_manager", "carol")]

    paid = await desk.client.post(f"/v1/applications/{app_id}/disbursement",
                                  headers={**desk.as_("carol", "credit_manager"), "X-Correlation-Id": "branch-42"})
    assert paid.status_code == 201, paid.text
    loan_id = paid.json()["loan_id"]
    assert paid.json()["disbursement_date"] == "2026-03-01"
    assert (await desk.get(app_id))["status"] == "disbursed"
    again = await desk.disburse(app_id)
    assert again.status_code == 409 and again.json()["error"]["details"] == [{"loan_id": loan_id}]

    records = await records_until(
        desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
        lambda rs: sum(r.key in (app_id.encode(), loan_id.encode()) for r in rs) == 6)
    # The application's events share its key (one partition, in order); loan.disbursed is keyed by
    # the loan id, so it may sit on another partition: order across them comes from `sequence`.
    by_application = [r for r in records if r.key.decode() == app_id]
    assert [CloudEvent.from_json_bytes(r.value).type for r in by_application] == [
        "loan.application.submitted", "loan.application.reviewed", "loan.application.reviewed",
        "loan.application.reviewed", "loan.application.approved"]
    (by_loan,) = [r for r in records if r.key.decode() == loan_id]
    mine = [*by_application, by_loan]
    events = [CloudEvent.from_json_bytes(r.value) for r in mine]
    assert [e.sequence for e in events] == [1, 2, 3, 4, 5, 6]

    disbursed = events[-1]
    assert disbursed.specversion == "1.0" and disbursed.source == "origination"
    assert disbursed.subject == loan_id and disbursed.businessdate == date(2026, 3, 1)
    assert disbursed.correlationid == "branch-42" and disbursed.dataschemaversion == 2
    assert disbursed.data["borrower"]["phone"].startswith("pii:v1:")  # sealed with the borrower's key
    loan = parse_data(await desk.opened(disbursed))
    assert isinstance(loan, LoanDisbursed)
    assert (str(loan.principal), str(loan.annual_rate), loan.term_months, loan.due_day) == ("50000.00", "0.12", 12, 15)
    assert loan.repayment_method == "equal_installment" and loan.product == "credit"
    assert loan.disbursement_date == date(2026, 3, 1)
    assert loan.borrower.phone == body["applicant"]["phone"] and loan.borrower.region == "北京市朝阳区"
    assert [c.relation for c in loan.contacts] == ["family", "other", "work"]
    schema = json.loads((SCHEMA_DIR / "loan.disbursed.v2.json").read_text())
    assert set(schema["required"]) <= set(disbursed.data)

    raw_id = body["applicant"]["id_number"].encode()
    assert not any(raw_id in r.value for r in mine), "the resident ID number never leaves the service unmasked"
    assert loan.borrower.id_number_masked == body["applicant"]["id_number"][:6] + "********" + \
        body["applicant"]["id_number"][-4:]


async def test_a_product_default_due_day_of_the_20th_applies_when_none_is_asked(desk):
    app_id = await desk.filed(application("mortgage", amount="800000.00"))
    await desk.approve(app_id)
    loan_id = (await desk.disburse(app_id)).json()["loan_id"]
    events = await read_events(desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
                               until=lambda es: any(e.subject == loan_id for e in es))
    loan = parse_data(next(e for e in events if e.subject == loan_id))
    assert loan.due_day == 20 and loan.product == "mortgage"


async def test_applications_are_listed_in_pages(desk):
    for _ in range(3):
        await desk.filed(application())
    headers = desk.as_("erin", "team_manager")
    first = (await desk.client.get("/v1/applications?limit=2", headers=headers)).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = (await desk.client.get(f"/v1/applications?limit=2&cursor={cursor}", headers=headers)).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) >= 3
    bad = await desk.client.get("/v1/applications?limit=501", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    for cursor in ("zzz", "9" * 23, "9223372036854775808", "٣"):
        bad_cursor = await desk.client.get(f"/v1/applications?cursor={cursor}", headers=headers)
        assert bad_cursor.status_code == 400 and bad_cursor.json()["error"]["code"] == "bad_cursor", cursor


async def test_applications_are_listed_by_status_and_an_unknown_status_is_422(desk):
    headers = desk.as_("erin", "team_manager")
    rejected = (await desk.file(application(credit_report={"max_overdue_months": 3}))).json()["id"]
    listed = (await desk.client.get("/v1/applications?status=rejected&limit=500", headers=headers)).json()
    assert rejected in [i["id"] for i in listed["items"]]
    assert {i["status"] for i in listed["items"]} == {"rejected"}
    bad = await desk.client.get("/v1/applications?status=rejectd", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "query.status"


async def test_an_unknown_application_is_404(desk):
    r = await desk.client.get("/v1/applications/nope", headers=desk.as_("erin", "credit_manager"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "application_not_found"
    r = await desk.review("nope", "client_manager", "alice")
    assert r.status_code == 404


async def test_the_api_is_described_in_openapi(desk):
    spec = (await desk.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in ("/v1/applications", "/v1/applications/{application_id}",
                 "/v1/applications/{application_id}/reviews", "/v1/applications/{application_id}/investigation",
                 "/v1/applications/{application_id}/disbursement"):
        assert path in paths


async def test_the_event_export_masks_resident_id_numbers(desk):
    body = application("guaranteed")
    app_id = await desk.filed(body)
    exported = (await desk.client.get("/v1/events?limit=5000", headers=desk.as_("rita", "reporting"))).json()
    mine = [i["event"] for i in exported["items"] if i["event"]["subject"] == app_id]
    assert [e["type"] for e in mine] == ["loan.application.submitted"]
    text = json.dumps(mine, ensure_ascii=False)
    assert body["applicant"]["id_number"] not in text and body["guarantor"]["id_number"] not in text
    # the ID number is sealed with the borrower's key; what the export carries opens to the masked form
    assert mine[0]["data"]["applicant"]["id_number"].startswith("pii:v1:")
    opened = await desk.opened(CloudEvent.model_validate(mine[0]))
    assert opened.data["applicant"]["id_number"] == mask_id_number(body["applicant"]["id_number"])
