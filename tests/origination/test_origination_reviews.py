"""Reviews, investigation and the pre-disbursement re-check over the REST API."""

from __future__ import annotations

import asyncio

from .factory import AUTHORISATION, application


async def test_one_person_may_not_review_two_stages(desk):
    app_id = await desk.filed(application())
    assert (await desk.review(app_id, "client_manager", "alice")).status_code == 201
    r = await desk.review(app_id, "team_manager", "alice", roles=("client_manager", "team_manager"))
    assert r.status_code == 403
    error = r.json()["error"]
    assert error["code"] == "segregation_of_duties"
    assert "alice already reviewed this application at the client_manager stage" in error["message"]
    assert (await desk.get(app_id))["next_step"]["stage"] == "team_manager"


async def test_the_marketer_who_filed_may_not_approve(desk):
    app_id = await desk.filed(application(), who="gina")
    assert (await desk.review(app_id, "client_manager", "alice")).status_code == 201
    assert (await desk.review(app_id, "team_manager", "bob")).status_code == 201
    r = await desk.review(app_id, "credit_manager", "gina", roles=("client_manager", "credit_manager"))
    assert r.status_code == 403 and "filed this application" in r.json()["error"]["message"]


async def test_reviews_go_in_order_and_a_rejection_is_final(desk):
    app_id = await desk.filed(application())
    early = await desk.review(app_id, "team_manager", "bob")
    assert early.status_code == 409 and early.json()["error"]["code"] == "wrong_stage"
    assert (await desk.review(app_id, "client_manager", "alice")).status_code == 201
    no = await desk.review(app_id, "team_manager", "bob", "reject", note="income does not cover the installments")
    assert no.status_code == 201 and no.json()["status"] == "rejected"
    assert no.json()["reasons"] == ["rejected at the team_manager review: income does not cover the installments"]
    later = await desk.review(app_id, "team_manager", "henry")
    assert later.status_code == 409 and later.json()["error"]["code"] == "rejected"
    assert (await desk.disburse(app_id)).status_code == 409


async def test_the_client_manager_records_the_three_contact_verifications(desk):
    app_id = await desk.filed(application())
    r = await desk.review(app_id, "client_manager", "alice", contact_verifications=[
        {"relation": "family", "outcome": "confirmed"}, {"relation": "work", "outcome": "confirmed"}])
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "contact_verifications"


async def test_a_large_loan_needs_the_team_managers_field_investigation(desk):
    app_id = await desk.filed(application(amount="150000.00"))
    state = await desk.get(app_id)
    assert state["investigation_required"] is True
    await desk.approve(app_id)
    assert (await desk.get(app_id))["next_step"] == {"action": "investigation", "role": "team_manager"}
    refused = await desk.disburse(app_id)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "investigation_required"

    path = f"/v1/applications/{app_id}/investigation"
    findings = {"findings": "visited home and employer; consistent", "decision": "approve"}
    not_tm = await desk.client.post(path, json=findings, headers=desk.as_("alice", "client_manager"))
    assert not_tm.status_code == 403
    approver = await desk.client.post(path, json=findings, headers=desk.as_("carol", "team_manager"))
    assert approver.status_code == 403 and approver.json()["error"]["code"] == "segregation_of_duties"
    done = await desk.client.post(path, json=findings, headers=desk.as_("dave", "team_manager"))
    assert done.status_code == 201 and done.json()["investigation"]["investigator"] == "dave"
    assert done.json()["investigation"]["stale"] is False
    assert (await desk.disburse(app_id)).status_code == 201


async def test_false_information_found_on_site_rejects_and_blacklists_for_good(desk):
    body = application(amount="150000.00")
    app_id = await desk.filed(body)
    await desk.approve(app_id)
    path, dave = f"/v1/applications/{app_id}/investigation", desk.as_("dave", "team_manager")
    approve_anyway = {"findings": "the employer has never heard of him", "decision": "approve",
                      "false_information": True}
    r = await desk.client.post(path, json=approve_anyway, headers=dave)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "false_information"
    assert (await desk.get(app_id))["investigation"] is None

    r = await desk.client.post(path, json={**approve_anyway, "decision": "reject"}, headers=dave)
    assert r.status_code == 201, r.text
    state = r.json()
    assert (state["status"], state["rejected_at_stage"], state["blacklisted"]) == ("rejected", "investigation", True)
    assert (await desk.disburse(app_id)).status_code == 409

    again = application(amount="20000.00")
    again["applicant"]["id_number"] = body["applicant"]["id_number"]
    r = await desk.file(again, who="frank")
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    assert "blacklist" in r.json()["reasons"][0]


async def test_a_small_loan_needs_no_investigation(desk):
    app_id = await desk.filed(application(amount="100000.00"))
    assert (await desk.get(app_id))["investigation_required"] is False


async def test_a_newer_bureau_report_with_a_three_month_overdue_refuses_disbursement(desk):
    body = application(credit_report=None, credit_authorisation=AUTHORISATION)
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 0, "report_date": "2026-02-20"})
    app_id = await desk.filed(body)
    await desk.approve(app_id)
    desk.bureau_says(body["applicant"]["id_number"], {"max_overdue_months": 3, "report_date": "2026-02-28"})
    r = await desk.disburse(app_id)
    assert r.status_code == 409
    error = r.json()["error"]
    assert error["code"] == "recheck_failed"
    assert error["details"] == [{"reason": "credit bureau: credit report dated 2026-02-28 shows an overdue of "
                                           "3 months (3 or more)"}]
    assert (await desk.get(app_id))["status"] == "approved"


async def test_applicant_data_changed_after_the_reviews_refuses_disbursement(desk):
    app_id = await desk.filed(application())
    await desk.approve(app_id)
    applicant = application()["applicant"]
    r = await desk.client.post(f"/v1/applications/{app_id}/amendments",
                               json={"applicant": applicant, "reason": "moved to a new employer"},
                               headers=desk.as_("alice", "client_manager"))
    assert r.status_code == 201 and all(rv["stale"] for rv in r.json()["reviews"])
    refused = await desk.disburse(app_id)
    assert refused.status_code == 409
    assert "changed since the client_manager review" in refused.json()["error"]["message"]


async def test_concurrent_reviews_one_wins_the_other_gets_409(desk):
    for _ in range(4):
        app_id = await desk.filed(application())
        results = await asyncio.gather(desk.review(app_id, "client_manager", "alice"),
                                       desk.review(app_id, "client_manager", "ivan"))
        assert sorted(r.status_code for r in results) == [201, 409], [r.text for r in results]
        (lost,) = [r for r in results if r.status_code == 409]
        assert lost.json()["error"]["code"] in ("concurrent_modification", "wrong_stage")
        state = await desk.get(app_id)
        assert len(state["reviews"]) == 1 and state["version"] == 2


async def test_missing_or_wrong_credentials(desk):
    body = application()
    assert (await desk.client.post("/v1/applications", json=body)).status_code == 401
    bad = await desk.client.post("/v1/applications", json=body, headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthorized"
    collector = await desk.client.post("/v1/applications", json=body, headers=desk.as_("kim", "collector"))
    assert collector.status_code == 403 and collector.json()["error"]["code"] == "missing_role"
    app_id = await desk.filed(body)
    assert (await desk.client.get(f"/v1/applications/{app_id}", headers=desk.as_("kim", "collector"))).status_code \
        == 403
    wrong_stage_role = await desk.review(app_id, "client_manager", "bob", roles=("team_manager",))
    assert wrong_stage_role.status_code == 403 and "client_manager role" in wrong_stage_role.json()["error"]["message"]
    no_disburse = await desk.client.post(f"/v1/applications/{app_id}/disbursement",
                                         headers=desk.as_("bob", "team_manager"))
    assert no_disburse.status_code == 403


async def test_amendments_are_validated_and_closed_once_rejected(desk):
    app_id = await desk.filed(application())
    path = f"/v1/applications/{app_id}/amendments"
    headers = desk.as_("alice", "client_manager")
    bad = application()["applicant"]
    bad["phone"] = "12345678901"
    r = await desk.client.post(path, json={"applicant": bad}, headers=headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "applicant.phone"
    empty = await desk.client.post(path, json={"reason": "nothing"}, headers=headers)
    assert empty.status_code == 422
    newer = await desk.client.post(path, json={"credit_report": {"max_overdue_months": 1}}, headers=headers)
    assert newer.status_code == 201 and newer.json()["credit_report"]["max_overdue_months"] == 1
    assert newer.json()["amendments"] == 1
    await desk.review(app_id, "client_manager", "alice", "reject", note="withdrawn by the applicant")
    closed = await desk.client.post(path, json={"credit_report": {"max_overdue_months": 0}}, headers=headers)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "rejected"


async def test_an_amendment_is_held_to_the_intake_rules_and_a_refused_one_changes_nothing(desk):
    body = application("guaranteed")
    app_id = await desk.filed(body)
    before = await desk.get(app_id)
    path, headers = f"/v1/applications/{app_id}/amendments", desk.as_("alice", "client_manager")
    negative_income = {**body["applicant"], "monthly_income": "-5.00"}
    a_contacts_phone = {**body["applicant"], "phone": body["contacts"][1]["phone"]}
    the_guarantor = {**body["applicant"], "id_number": body["guarantor"]["id_number"]}
    for applicant, field in ((negative_income, "applicant.monthly_income"), (a_contacts_phone, "applicant.phone"),
                             (the_guarantor, "applicant.id_number")):
        r = await desk.client.post(path, json={"applicant": applicant, "reason": "new payslip"}, headers=headers)
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["error"]["details"]] == [field]
    after = await desk.get(app_id)
    assert (after["version"], after["amendments"], after["applicant"]) == (
        before["version"], 0, before["applicant"])
    raised = {**body["applicant"], "monthly_income": "15000.00"}
    r = await desk.client.post(path, json={"applicant": raised, "reason": "new payslip"}, headers=headers)
    assert r.status_code == 201 and r.json()["applicant"]["monthly_income"] == "15000.00"


async def test_reviews_after_an_amendment_still_leave_the_earlier_one_stale(desk):
    app_id = await desk.filed(application())
    assert (await desk.review(app_id, "client_manager", "alice")).status_code == 201
    await desk.client.post(f"/v1/applications/{app_id}/amendments", json={"credit_report": {"max_overdue_months": 1}},
                           headers=desk.as_("alice", "client_manager"))
    assert (await desk.review(app_id, "team_manager", "bob")).status_code == 201
    assert (await desk.review(app_id, "credit_manager", "carol")).status_code == 201
    state = await desk.get(app_id)
    assert [r["stale"] for r in state["reviews"]] == [True, False, False]
    refused = await desk.disburse(app_id)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == [
        {"reason": "applicant data or credit report changed since the client_manager review"}]
