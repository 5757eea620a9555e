"""Erasure without rewriting history (issue 16): a borrower's personal fields are sealed with their own key;
erasure destroys it, the events stay byte for byte as they were, every view shows "erased"."""

from __future__ import annotations

import dataclasses
from datetime import date

from services.origination.entrypoints.consumer import on_servicing_event
from shared.contracts import CloudEvent, make_event
from shared.contracts.servicing import LoanPaidOff
from shared.datakeys import ERASED

from .conftest import records_until
from .factory import application, with_contact_points


async def _paid_off(desk, loan_id: str, on: date) -> None:
    """Servicing's `loan.paid_off` reaches origination's consumer (the debt closed on `on`)."""
    event = make_event("servicing", LoanPaidOff(loan_id=loan_id, paid_off_on=on, total_paid="1.00"),
                       subject=loan_id, businessdate=on)
    async with desk.app.state.kernel.db.acquire() as conn:
        await on_servicing_event(conn, event)


async def _erase(desk, borrower_id: str, role: str = "admin"):
    return await desk.client.post(f"/v1/borrowers/{borrower_id}/erasure", headers=desk.as_("root", role))


async def _store(desk) -> list[tuple]:
    async with desk.app.state.kernel.db.acquire() as conn:
        return [tuple(r) for r in await conn.fetch(
            "SELECT position, stream_id, version, event_id, type, envelope::text FROM events ORDER BY position")]


def _retention(desk, days: int) -> None:
    desk.app.state.bus.deps = dataclasses.replace(desk.app.state.bus.deps, retention_days=days)


async def test_zhang_wei_paid_off_is_erased_after_retention_and_every_view_shows_erased(desk):
    body = with_contact_points(application("guaranteed", amount="80000.00"))
    app_id = await desk.filed(body)
    borrower_id = (await desk.get(app_id))["borrower_id"]
    assert borrower_id.startswith("bk_")

    r = await _erase(desk, borrower_id)  # still under review
    assert r.status_code == 409 and r.json()["error"]["code"] == "application_open", r.text
    await desk.approve(app_id)
    loan_id = (await desk.disburse(app_id)).json()["loan_id"]
    r = await _erase(desk, borrower_id)  # the loan is owed
    assert r.status_code == 409 and r.json()["error"]["code"] == "debt_open", r.text
    await _paid_off(desk, loan_id, date(2026, 3, 1))
    r = await _erase(desk, borrower_id)  # paid off today: five years to wait
    assert r.status_code == 409 and r.json()["error"]["code"] == "retention_period", r.text
    assert r.json()["error"]["details"] == [{"closed_on": "2026-03-01", "erasable_on": "2031-02-28"}]
    assert (await _erase(desk, borrower_id, role="credit_manager")).status_code == 403
    assert (await _erase(desk, "bk_nobody")).status_code == 404

    before = await _store(desk)
    records = await records_until(desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
                                  lambda rs: any(r.key == loan_id.encode() for r in rs))
    published = {(r.key, r.value) for r in records if r.key in (app_id.encode(), loan_id.encode())}
    _retention(desk, 0)
    try:
        r = await _erase(desk, borrower_id)
        assert r.status_code == 200, r.text
        assert r.json() == {"borrower_id": borrower_id, "status": "erased", "erased_on": "2026-03-01",
                            "application_ids": [app_id], "loan_ids": [loan_id]}
        again = await _erase(desk, borrower_id)  # idempotent: the same answer, nothing more recorded
        assert again.status_code == 200 and again.json() == r.json()
    finally:
        _retention(desk, 1825)

    after = await _store(desk)
    assert after[:len(before)] == before, "the event store is unchanged byte for byte"
    (erased,) = after[len(before):]
    assert erased[4] == "loan.borrower.erased" and erased[1] == f"borrower-{borrower_id}"
    assert not any(s in erased[5] for s in (body["applicant"]["name"], body["applicant"]["phone"]))
    records = await records_until(desk.platform.kafka_bootstrap, desk.platform.topic("origination"),
                                  lambda rs: any(r.key == borrower_id.encode() for r in rs))
    assert {(r.key, r.value) for r in records if r.key in (app_id.encode(), loan_id.encode())} == published
    (notice,) = [CloudEvent.from_json_bytes(r.value) for r in records if r.key == borrower_id.encode()]
    assert notice.data["borrower_id"] == borrower_id and notice.data["loan_ids"] == [loan_id]
    async with desk.app.state.kernel.db.acquire() as conn:
        key = await conn.fetchrow("SELECT sealed, erased_at FROM data_keys WHERE key_id = $1", borrower_id)
        assert key["sealed"] is None and key["erased_at"] is not None
        assert await conn.fetchval("SELECT count(*) FROM borrower_keys WHERE key_id = $1", borrower_id) == 0

    shown = await desk.get(app_id)
    assert shown["status"] == "disbursed" and shown["amount"] == "80000.00" and shown["loan_id"] == loan_id
    applicant = shown["applicant"]
    assert (applicant["name"], applicant["id_number"], applicant["phone"]) == (ERASED, ERASED, ERASED)
    assert applicant["addresses"] == {"home": ERASED, "work": ERASED}
    assert applicant["monthly_income"] == "12000.00"  # not personal in the sense of the issue: kept
    assert all((c["name"], c["phone"]) == (ERASED, ERASED) for c in shown["contacts"])
    assert (shown["guarantor"]["name"], shown["guarantor"]["id_number"]) == (ERASED, ERASED)
    revealed = await desk.client.get(f"/v1/applications/{app_id}?reveal=true&reason=complaint%20check",
                                     headers=desk.as_("alice", "client_manager"))
    assert revealed.status_code == 200 and revealed.json()["applicant"]["id_number"] == ERASED
    text = revealed.text
    for plain in (body["applicant"]["name"], body["applicant"]["id_number"], body["applicant"]["phone"],
                  body["applicant"]["addresses"]["home"], body["contacts"][0]["name"], body["guarantor"]["name"]):
        assert plain not in text and plain not in (await desk.client.get(
            f"/v1/applications/{app_id}", headers=desk.as_("erin", "credit_manager"))).text


async def test_the_same_person_keeps_one_key_and_a_rejection_closes_on_its_business_date(desk):
    body = application()
    first = await desk.filed(body)
    second = await desk.filed({**body, "amount": "30000.00"})
    borrower_id = (await desk.get(first))["borrower_id"]
    assert (await desk.get(second))["borrower_id"] == borrower_id
    for app_id in (first, second):
        r = await desk.review(app_id, "client_manager", "alice", decision="reject", note="income not shown")
        assert r.status_code == 201, r.text
    r = await _erase(desk, borrower_id)
    assert r.status_code == 409 and r.json()["error"]["code"] == "retention_period"
    _retention(desk, 0)
    try:
        assert (await _erase(desk, borrower_id)).status_code == 200
    finally:
        _retention(desk, 1825)
    assert (await desk.get(first))["applicant"]["name"] == ERASED
    # the person applies again: a new key, the erased applications stay erased
    again = await desk.filed(body)
    assert (await desk.get(again))["borrower_id"] != borrower_id
    assert (await desk.get(again))["applicant"]["name"] == body["applicant"]["name"]
    assert (await desk.get(second))["applicant"]["name"] == ERASED


async def test_other_services_fetch_keys_sealed_and_learn_erasure(desk):
    app_id = await desk.filed(application())
    borrower_id = (await desk.get(app_id))["borrower_id"]
    r = await desk.client.get("/v1/data-keys", params={"id": [borrower_id, "bk_unknown"]},
                              headers=desk.as_("reporting-keys", "service"))
    assert r.status_code == 200, r.text
    (key,) = r.json()["keys"]
    assert key["key_id"] == borrower_id and key["sealed"].startswith("enc:v1:") and key["erased"] is False
    for person in ("reporting", "collector", "admin", "auditor"):  # only the services' own role fetches keys
        r = await desk.client.get("/v1/data-keys", params={"id": borrower_id}, headers=desk.as_("someone", person))
        assert r.status_code == 403 and r.json()["error"]["code"] == "missing_role", (person, r.text)
