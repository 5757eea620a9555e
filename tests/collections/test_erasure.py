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


async def test_a_sealed_loan_file_is_shown_until_the_borrower_is_erased(desk, servicing):
    box = SecretBox(desk.platform.secrets_key_material())
    key = DataKey.generate()
    asked: list[list[str]] = []

    async def origination(ids: list[str]) -> dict[str, str | None]:  # what GET /v1/data-keys answers
        asked.append(ids)
        return {key.key_id: key.to_sealed(box)} if key.key_id in ids else {}

    desk.app.state.collections.ring = KeyRing(box, origination, writer=desk.app.state.kernel.db.acquire)
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
    erased = make_event("origination", og.BorrowerErased(borrower_id=key.key_id, erased_by="root",
                                                         erased_on=date(2031, 3, 1), application_ids=["A-E1"],
                                                         loan_ids=["E1"]),
                        subject=key.key_id, businessdate=date(2031, 3, 1))
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
