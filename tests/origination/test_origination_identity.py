"""A borrower's identity for a credit-bureau record (issue 16): servicing holds only the masked ID number, so
origination hands the full ID number and name to a service — and to no person — recording each hand-over in
its access audit; after an erasure there is nothing to hand over (410)."""

from __future__ import annotations

from datetime import date

from services.origination.entrypoints.consumer import on_servicing_event
from shared.contracts import make_event
from shared.contracts.servicing import LoanPaidOff
from shared.datakeys import DataKey
from shared.secretbox import SecretBox

from .factory import application

SERVICING = ("servicing-bureau", "service")


def _identity(desk, borrower_id: str, who: tuple[str, ...] = SERVICING, **params: str):
    query = {"purpose": "credit_bureau", "record": "cbr-2026-03-0001", **params}
    return desk.client.get(f"/v1/borrowers/{borrower_id}/identity", params=query, headers=desk.as_(*who))


async def _audit(desk, borrower_id: str) -> list[dict]:
    r = await desk.client.get("/v1/audit/access", params={"subject_id": borrower_id},
                              headers=desk.as_("audrey", "auditor"))
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_servicing_gets_zhang_weis_full_id_number_for_a_bureau_record_and_the_audit_says_so(desk):
    body = application()
    app_id = await desk.filed(body)
    borrower_id = (await desk.get(app_id))["borrower_id"]
    await desk.approve(app_id)
    loan_id = (await desk.disburse(app_id)).json()["loan_id"]
    later = await desk.filed({**body, "amount": "20000.00"})  # a newer application, not disbursed

    r = await _identity(desk, borrower_id)
    assert r.status_code == 200, r.text
    assert r.json() == {"borrower_id": borrower_id, "name": body["applicant"]["name"],
                        "id_number": body["applicant"]["id_number"], "application_id": app_id, "loan_id": loan_id,
                        "purpose": "credit_bureau", "record": "cbr-2026-03-0001"}
    (entry,) = await _audit(desk, borrower_id)
    assert (entry["actor"], entry["roles"], entry["subject_type"], entry["subject_id"], entry["reason"]) == (
        "servicing-bureau", ["service"], "borrower", borrower_id, "credit_bureau:cbr-2026-03-0001")
    # the loan's own identity, though a newer application of the same person is under way
    r = await _identity(desk, borrower_id, loan_id=loan_id, record="cbr-2026-03-0002")
    assert r.json()["application_id"] == app_id and later != app_id
    assert [e["reason"] for e in await _audit(desk, borrower_id)] == ["credit_bureau:cbr-2026-03-0001",
                                                                       "credit_bureau:cbr-2026-03-0002"]


async def test_no_person_gets_the_identity_and_a_refusal_records_nothing(desk):
    app_id = await desk.filed(application())
    borrower_id = (await desk.get(app_id))["borrower_id"]
    for role in ("reporting", "admin", "credit_manager", "client_manager", "auditor"):
        r = await _identity(desk, borrower_id, who=("someone", role))
        assert r.status_code == 403 and r.json()["error"]["code"] == "missing_role", (role, r.text)
    assert (await desk.client.get(f"/v1/borrowers/{borrower_id}/identity",
                                  params={"purpose": "credit_bureau", "record": "x"})).status_code == 401
    no_record = await desk.client.get(f"/v1/borrowers/{borrower_id}/identity", params={"purpose": "credit_bureau"},
                                      headers=desk.as_(*SERVICING))
    assert no_record.status_code == 422, no_record.text
    assert (await _identity(desk, borrower_id, record="   ")).json()["error"]["code"] == "record_required"
    assert (await _identity(desk, borrower_id, purpose="marketing")).status_code == 422
    unknown = await _identity(desk, "bk_nobody")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "borrower_not_found"
    not_theirs = await _identity(desk, borrower_id, loan_id="loan-of-someone-else")
    assert not_theirs.status_code == 404 and not_theirs.json()["error"]["code"] == "loan_not_found"
    # an application not yet disbursed still names its applicant (the latest application)
    assert (await _identity(desk, borrower_id)).json()["loan_id"] is None
    assert [e["actor"] for e in await _audit(desk, borrower_id)] == ["servicing-bureau"]


async def test_after_the_erasure_the_identity_is_gone(desk):
    app_id = await desk.filed(application())
    borrower_id = (await desk.get(app_id))["borrower_id"]
    await desk.approve(app_id)
    loan_id = (await desk.disburse(app_id)).json()["loan_id"]
    paid_off = make_event("servicing", LoanPaidOff(loan_id=loan_id, paid_off_on=date(2026, 3, 1), total_paid="1.00"),
                          subject=loan_id, businessdate=date(2026, 3, 1))
    async with desk.app.state.kernel.db.acquire() as conn:
        await on_servicing_event(conn, paid_off)
    await desk.erase_now(borrower_id)
    gone = await _identity(desk, borrower_id)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "erased", gone.text
    assert await _audit(desk, borrower_id) == []


async def test_a_key_that_does_not_open_is_never_answered_as_the_identity(desk):
    app_id = await desk.filed(application())
    borrower_id = (await desk.get(app_id))["borrower_id"]
    foreign = DataKey.generate(borrower_id).to_sealed(SecretBox("another LOANFLOW_SECRETS_KEY"))
    async with desk.app.state.kernel.db.acquire() as conn:
        await conn.execute("UPDATE data_keys SET sealed = $2 WHERE key_id = $1", borrower_id, foreign)
    desk.app.state.bus.deps.ring.forget(borrower_id)
    r = await _identity(desk, borrower_id)
    assert r.status_code == 503 and r.json()["error"]["code"] == "unavailable", r.text
    assert await _audit(desk, borrower_id) == []
