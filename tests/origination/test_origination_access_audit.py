"""Who saw what (issue 16): personal data masked by default, an audited reveal for loan officers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from .factory import application, with_contact_points


async def _audit(desk, **filters) -> list[dict]:
    r = await desk.client.get("/v1/audit/access", params=filters, headers=desk.as_("audrey", "auditor"))
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_personal_data_is_masked_unless_a_loan_officer_reveals_it_with_a_reason(desk):
    body = with_contact_points(application("guaranteed"))
    app_id = await desk.filed(body)
    applicant, guarantor = body["applicant"], body["guarantor"]
    personal = [applicant["id_number"], applicant["phone"], applicant["addresses"]["home"],
                applicant["addresses"]["work"], applicant["employer"]["phone"], guarantor["id_number"],
                guarantor["phone"], *(c["phone"] for c in body["contacts"])]

    masked = await desk.client.get(f"/v1/applications/{app_id}", headers=desk.as_("erin", "credit_manager"))
    assert masked.status_code == 200 and masked.json()["revealed"] is False
    assert [p for p in personal if p in masked.text] == []
    assert masked.json()["applicant"]["name"] == applicant["name"]  # names are not masked

    before = datetime.now(UTC)
    revealed = await desk.client.get(f"/v1/applications/{app_id}", headers=desk.as_("wang.fang", "client_manager"),
                                     params={"reveal": "true", "reason": "calling the work contact to verify"})
    assert revealed.status_code == 200, revealed.text
    shown = revealed.json()
    assert shown["revealed"] is True
    assert [p for p in personal if p not in revealed.text] == []
    assert shown["applicant"]["addresses"] == applicant["addresses"]
    assert {k: v for k, v in shown.items() if k not in ("applicant", "contacts", "guarantor", "revealed")} == {
        k: v for k, v in masked.json().items() if k not in ("applicant", "contacts", "guarantor", "revealed")}

    (entry,) = await _audit(desk, application_id=app_id)
    assert (entry["actor"], entry["roles"], entry["subject_type"], entry["subject_id"], entry["reason"]) == (
        "wang.fang", ["client_manager"], "application", app_id, "calling the work contact to verify")
    at = datetime.fromisoformat(entry["at"])
    assert before - timedelta(seconds=5) <= at <= datetime.now(UTC) + timedelta(seconds=5)
    assert entry in await _audit(desk, actor="wang.fang")
    assert await _audit(desk, subject_id=app_id) == [entry]


async def test_a_reveal_refused_or_of_nothing_records_nothing(desk):
    app_id = await desk.filed(with_contact_points(application()))
    url = f"/v1/applications/{app_id}"
    no_reason = await desk.client.get(url, params={"reveal": "true"}, headers=desk.as_("wang.fang", "client_manager"))
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "reason_required"
    blank = await desk.client.get(url, params={"reveal": "true", "reason": "  "},
                                  headers=desk.as_("wang.fang", "client_manager"))
    assert blank.status_code == 422
    collector = await desk.client.get(url, params={"reveal": "true", "reason": "tracing"},
                                      headers=desk.as_("collector-f1", "collector"))
    assert collector.status_code == 403
    for role in ("admin", "reporting"):  # they read applications, masked only
        r = await desk.client.get(url, params={"reveal": "true", "reason": "curious"}, headers=desk.as_("x", role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "reveal_not_permitted", role
    nul = await desk.client.get(url, params={"reveal": "true", "reason": "why\x00"},
                                headers=desk.as_("wang.fang", "client_manager"))
    assert nul.status_code == 422, nul.text
    unknown = await desk.client.get("/v1/applications/no-such-application", params={"reveal": "true", "reason": "x"},
                                    headers=desk.as_("wang.fang", "client_manager"))
    assert unknown.status_code == 404
    assert await _audit(desk, application_id=app_id) == []
    assert await _audit(desk, subject_id="no-such-application") == []


async def test_the_access_audit_is_for_auditors_and_admins_only(desk):
    app_id = await desk.filed(application())
    r = await desk.client.get(f"/v1/applications/{app_id}", params={"reveal": "1", "reason": "field visit"},
                              headers=desk.as_("li.na", "team_manager"))
    assert r.status_code == 200
    for who, role in (("collector-f1", "collector"), ("wang.fang", "client_manager"),
                      ("sup", "collections_supervisor")):
        denied = await desk.client.get("/v1/audit/access", headers=desk.as_(who, role))
        assert denied.status_code == 403, role
    assert (await desk.client.get("/v1/audit/access")).status_code == 401
    admin = await desk.client.get(f"/v1/audit/access?application_id={app_id}", headers=desk.as_("root", "admin"))
    assert [i["actor"] for i in admin.json()["items"]] == ["li.na"]
    bad = await desk.client.get("/v1/audit/access?cursor=-1", headers=desk.as_("audrey", "auditor"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


async def test_a_reveal_posted_with_its_reason_in_the_body_is_the_same_reveal_recorded_once(desk):
    body = with_contact_points(application())
    app_id = await desk.filed(body)
    url = f"/v1/applications/{app_id}/reveal"
    officer = desk.as_("wang.fang", "client_manager")
    for refused, status, code in (({}, 422, "reason_required"), ({"reason": "  "}, 422, "reason_required")):
        r = await desk.client.post(url, json=refused, headers=officer)
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text
    for role in ("admin", "reporting"):  # they read applications, masked only
        r = await desk.client.post(url, json={"reason": "curious"}, headers=desk.as_("x", role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "reveal_not_permitted", role
    assert (await desk.client.post(url, json={"reason": "x"}, headers=desk.as_("c", "collector"))).status_code == 403
    assert (await desk.client.post(url, json={"reason": "x" * 501}, headers=officer)).status_code == 422
    assert (await desk.client.post("/v1/applications/no-such/reveal", json={"reason": "x"},
                                   headers=officer)).status_code == 404
    assert await _audit(desk, application_id=app_id) == []

    shown = await desk.client.post(url, json={"reason": "给单位联系人打电话核实"}, headers=officer)
    assert shown.status_code == 200, shown.text
    assert shown.json()["revealed"] is True and body["applicant"]["phone"] in shown.text
    (entry,) = await _audit(desk, application_id=app_id)
    assert (entry["actor"], entry["reason"]) == ("wang.fang", "给单位联系人打电话核实")
    masked = await desk.client.get(f"/v1/applications/{app_id}", headers=officer)
    assert masked.json()["revealed"] is False and body["applicant"]["phone"] not in masked.text


async def test_an_auditor_reads_the_application_a_record_names_masked_and_cannot_reveal_it(desk):
    body = with_contact_points(application())
    app_id = await desk.filed(body)
    auditor = desk.as_("audrey", "auditor")
    seen = await desk.client.get(f"/v1/applications/{app_id}", headers=auditor)
    assert seen.status_code == 200 and seen.json()["revealed"] is False
    assert body["applicant"]["phone"] not in seen.text and body["applicant"]["id_number"] not in seen.text
    masked = await desk.client.get(f"/v1/applications/{app_id}", headers=desk.as_("root", "admin"))
    assert seen.json() == masked.json(), "as admin and reporting read it"
    for refused in (await desk.client.get(f"/v1/applications/{app_id}", params={"reveal": "true", "reason": "x"},
                                          headers=auditor),
                    await desk.client.post(f"/v1/applications/{app_id}/reveal", json={"reason": "x"},
                                           headers=auditor),
                    await desk.client.get("/v1/applications", headers=auditor)):
        assert refused.status_code == 403, refused.text
    assert await _audit(desk, application_id=app_id) == []
