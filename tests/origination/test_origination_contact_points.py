"""Contact points at origination (issue 14): addresses and employer filed, carried by loan.disbursed v2."""

from __future__ import annotations

import json

from shared.contracts import CloudEvent, parse_data
from shared.contracts.export import SCHEMA_DIR
from shared.contracts.origination import LoanDisbursed
from shared.datakeys import is_sealed

from .conftest import records_until
from .factory import application, mobile, with_contact_points


async def test_a_guaranteed_loan_carries_every_contact_point_and_its_security_in_loan_disbursed_v2(desk):
    body = with_contact_points(application("guaranteed", amount="80000.00"))
    body["collateral"] = {"description": "车辆 京A·12345", "lien_registration_number": "", "value": "90000.00"}
    app_id = await desk.filed(body)
    await desk.approve(app_id)
    paid = await desk.disburse(app_id)
    assert paid.status_code == 201, paid.text
    loan_id = paid.json()["loan_id"]

    records = await records_until(desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
                                  lambda rs: any(r.key == loan_id.encode() for r in rs))
    (raw,) = [r.value for r in records if r.key == loan_id.encode()]
    event = CloudEvent.from_json_bytes(raw)
    assert event.type == "loan.disbursed" and event.dataschemaversion == 2
    # issue 16: the personal fields travel sealed with the borrower's key; a service holding it opens them
    assert is_sealed(event.data["borrower"]["name"]) and is_sealed(event.data["contacts"][0]["phone"])
    for plain in (body["applicant"]["name"], body["applicant"]["phone"], body["contacts"][0]["name"]):
        assert plain.encode() not in raw
    event = await desk.opened(event)
    loan = parse_data(event)
    assert isinstance(loan, LoanDisbursed)
    applicant = body["applicant"]
    assert loan.borrower.addresses is not None and loan.borrower.employer is not None
    assert loan.borrower.addresses.model_dump() == applicant["addresses"]
    assert loan.borrower.employer.model_dump() == applicant["employer"]
    assert [(c.relation, c.phone) for c in loan.contacts] == [(c["relation"], c["phone"]) for c in body["contacts"]]
    guarantor = body["guarantor"]
    assert loan.guarantor is not None
    assert (loan.guarantor.name, loan.guarantor.phone) == (guarantor["name"], guarantor["phone"])
    assert loan.guarantor.id_number == guarantor["id_number"][:6] + "********" + guarantor["id_number"][-4:]
    assert loan.collateral is not None and loan.collateral.description == "车辆 京A·12345"
    assert loan.credit_authorisation is None  # the applicant supplied the report
    for raw_id in (applicant["id_number"], guarantor["id_number"]):
        assert raw_id.encode() not in raw, "resident ID numbers leave the service masked"
    schema = json.loads((SCHEMA_DIR / "loan.disbursed.v2.json").read_text())
    assert set(schema["required"]) <= set(event.data) and schema["x-version"] == 2


async def test_the_addresses_and_employer_are_optional_and_validated(desk):
    plain = application()
    assert "addresses" not in plain["applicant"]
    assert (await desk.file(plain)).status_code == 201  # a first-round request stays valid
    only_home = application()
    only_home["applicant"]["addresses"] = {"home": "上海市浦东新区世纪大道100号"}
    assert (await desk.file(only_home)).status_code == 201

    before = int(await desk.app.state.kernel.db.fetchval("SELECT count(*) FROM events"))
    body = with_contact_points(application())
    body["applicant"]["addresses"]["home"] = "   "
    body["applicant"]["addresses"]["work"] = "路" * 201
    body["applicant"]["employer"] = {"name": "", "phone": "010-12345678"}
    r = await desk.file(body)
    assert r.status_code == 422, r.text
    assert sorted(d["field"] for d in r.json()["error"]["details"]) == [
        "applicant.addresses.home", "applicant.addresses.work", "applicant.employer.name",
        "applicant.employer.phone"]
    unknown = with_contact_points(application())
    unknown["applicant"]["addresses"]["holiday"] = "三亚"
    assert (await desk.file(unknown)).status_code == 422
    assert int(await desk.app.state.kernel.db.fetchval("SELECT count(*) FROM events")) == before


async def test_an_amendment_may_give_the_addresses_and_is_held_to_the_same_rules(desk):
    body = application()
    app_id = await desk.filed(body)
    moved = {**body["applicant"], "addresses": {"home": "北京市东城区东直门内大街5号"},
             "employer": {"name": "新公司", "phone": mobile(77)}}
    headers = desk.as_("alice", "client_manager")
    r = await desk.client.post(f"/v1/applications/{app_id}/amendments", headers=headers,
                               json={"applicant": moved, "reason": "moved house, new job"})
    assert r.status_code == 201, r.text
    assert r.json()["applicant"]["addresses"]["home"] == "北京市东城区****"  # masked in answers
    bad = {**moved, "employer": {"name": "新公司", "phone": "12345"}}
    r = await desk.client.post(f"/v1/applications/{app_id}/amendments", headers=headers, json={"applicant": bad})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "applicant.employer.phone"
