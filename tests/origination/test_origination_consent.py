"""The credit bureau is queried only with the applicant's authorisation (issue 16, CONTRACT second round)."""

from __future__ import annotations

from shared.contracts import CloudEvent, parse_data

from .conftest import records_until
from .factory import AUTHORISATION, application


async def _stored_events(desk) -> int:
    return int(await desk.app.state.kernel.db.fetchval("SELECT count(*) FROM events"))


async def test_without_a_report_and_without_authorisation_the_bureau_is_not_asked(desk):
    body = application(credit_report=None)
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 0, "report_date": "2026-02-28"})
    before = await _stored_events(desk)
    r = await desk.file(body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "authorisation_required"
    assert error["details"][0]["field"] == "credit_authorisation"
    assert await _stored_events(desk) == before, "a refused filing records nothing"


async def test_with_authorisation_the_bureau_report_is_used_and_the_authorisation_travels(desk):
    body = application(credit_report=None, credit_authorisation=AUTHORISATION)
    r = await desk.file(body)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "credit_report", r.text
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 1, "report_date": "2026-02-28"})
    app_id = await desk.filed(body)
    state = await desk.get(app_id)
    assert state["credit_report_source"] == "bureau" and state["credit_report"]["max_overdue_months"] == 1
    assert state["credit_authorisation"] == AUTHORISATION

    await desk.approve(app_id)
    loan_id = (await desk.disburse(app_id)).json()["loan_id"]
    records = await records_until(desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
                                  lambda rs: any(r.key == loan_id.encode() for r in rs))
    events = {e.type: e for e in (CloudEvent.from_json_bytes(r.value) for r in records)
              if e.subject in (app_id, loan_id)}
    submitted = parse_data(events["loan.application.submitted"])
    disbursed = parse_data(events["loan.disbursed"])
    for carried in (submitted.credit_authorisation, disbursed.credit_authorisation):
        assert carried is not None and carried.model_dump(mode="json") == AUTHORISATION


async def test_a_bureau_report_with_a_long_overdue_is_rejected_too(desk):
    body = application(credit_report=None, credit_authorisation=AUTHORISATION)
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 4})
    r = await desk.file(body)
    assert r.json()["status"] == "rejected" and "overdue of 4 months" in r.json()["reasons"][0]


async def test_an_authorisation_signed_after_the_business_date_is_refused(desk):
    body = application(credit_report=None, credit_authorisation={**AUTHORISATION, "signed_on": "2026-03-02"})
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 0})
    before = await _stored_events(desk)
    r = await desk.file(body)
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["error"]["details"]] == ["credit_authorisation.signed_on"]
    assert "2026-03-01" in r.json()["error"]["details"][0]["message"]  # the business date, not the clock's
    assert await _stored_events(desk) == before
    on_the_day = application(credit_report=None, credit_authorisation={**AUTHORISATION, "signed_on": "2026-03-01"})
    desk.bureau_says(on_the_day["applicant"]["id_number"], {"max_overdue_months": 0})
    assert (await desk.file(on_the_day)).status_code == 201


async def test_a_malformed_authorisation_is_422(desk):
    for bad in ({"signed_on": "yesterday", "document_ref": "x"}, {"signed_on": "2026-02-01"},
                {"signed_on": "2026-02-01", "document_ref": "   "}):
        r = await desk.file(application(credit_authorisation=bad))
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", (bad, r.text)


async def test_an_applicants_own_report_needs_no_authorisation_and_the_recheck_does_not_query_the_bureau(desk):
    body = application()  # the first-round request: the applicant's report, no authorisation
    app_id = await desk.filed(body)
    await desk.approve(app_id)
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 5, "report_date": "2026-02-28"})
    r = await desk.disburse(app_id)
    assert r.status_code == 201, "without the applicant's authorisation the bureau is not queried at the re-check"
