"""Partner repayments: signatures, idempotency keys, the allocation waterfall, payoff, overpayment."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from loanflow.testing import bearer, running
from services.servicing.adapters import partners
from services.servicing.bootstrap import create_app
from shared.clock import FixedClock
from tests.servicing.conftest import START, ServicingApp, settings


async def test_partner_registration_lists_partners_without_secrets(servicing):
    partner = await servicing.partner()
    assert partner["partner_id"] and len(partner["secret"]) >= 32
    async with servicing.app.state.kernel.db.acquire() as conn:
        stored = await conn.fetchval("SELECT secret FROM partners WHERE partner_id = $1", partner["partner_id"])
    assert stored.startswith("enc:v1:") and partner["secret"] not in stored  # sealed at rest
    listing = await servicing.client.get("/v1/partners", headers=servicing.admin)
    assert [p["partner_id"] for p in listing.json()["items"]] == [partner["partner_id"]]
    assert "secret" not in listing.text
    forbidden = await servicing.client.post("/v1/partners", json={"name": "x"}, headers=servicing.reader)
    assert forbidden.status_code == 403


async def test_a_partner_needs_a_name_and_a_blank_one_registers_nothing(servicing):
    for name in ("", "   "):
        r = await servicing.client.post("/v1/partners", json={"name": name}, headers=servicing.admin)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "name", r.text
    listing = await servicing.client.get("/v1/partners", headers=servicing.admin)
    assert listing.json()["items"] == []
    named = await servicing.client.post("/v1/partners", json={"name": "  Alipay "}, headers=servicing.admin)
    assert named.status_code == 201 and named.json()["name"] == "Alipay"


async def test_signed_payment_on_the_first_installment_is_allocated_interest_then_principal(servicing):
    loan_id = await servicing.disburse()  # 3,000.00 at 24% over 6 months: 535.58 a month
    partner = await servicing.partner()
    r = await servicing.pay(partner, loan_id, "535.58")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["allocation"] == [
        {"installment_number": 1, "kind": "interest", "amount": "60.00"},
        {"installment_number": 1, "kind": "principal", "amount": "475.58"},
    ]
    assert body["principal_outstanding"] == "2524.42"
    assert body["status"] == "current"
    events = await servicing.events(loan_id)
    assert [e["type"] for e in events] == ["loan.schedule.created", "loan.payment.received"]
    assert events[1]["data"]["partner_id"] == partner["partner_id"]


async def test_bad_stale_and_unknown_signatures_are_refused_with_401(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    bad = await servicing.pay(partner, loan_id, "10.00", secret="not-the-secret")
    stale = await servicing.pay(partner, loan_id, "10.00", at=int(time.time()) - 301)
    unknown = await servicing.pay({"partner_id": "ptn_nobody", "secret": "x"}, loan_id, "10.00")
    assert [bad.status_code, stale.status_code, unknown.status_code] == [401, 401, 401]
    assert bad.json()["error"]["code"] == "bad_signature"
    assert stale.json()["error"]["code"] == "stale_signature"
    assert unknown.json()["error"]["code"] == "unknown_partner"
    assert len(await servicing.events(loan_id)) == 1  # only the schedule


async def test_a_secret_revoked_at_rotation_stops_working_at_once(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    r = await servicing.client.post(f"/v1/partners/{partner['partner_id']}/rotate", headers=servicing.admin,
                                    json={"grace_hours": 0})
    assert r.status_code == 200 and r.json()["previous_secret_valid_until"] is None
    rotated = {**partner, "secret": r.json()["secret"]}
    assert (await servicing.pay(partner, loan_id, "10.00")).status_code == 401
    assert (await servicing.pay(rotated, loan_id, "10.00")).status_code == 201


async def test_a_rotated_secret_keeps_working_through_the_grace_period_then_stops(platform, _drop_platform_dbs):
    """The partner switches to the new secret within the grace period (default 24 h) without a failed payment."""
    clock = FixedClock(datetime.now(UTC))
    local = platform.model_copy(update={"run_background": False, "start_date": START.isoformat()})
    app = create_app(settings(), local, clock)
    async with running(app) as client:
        desk = ServicingApp(app, client, bearer(app, "root", "admin"), bearer(app, "dora", "collector"))
        loan_id = await desk.disburse()
        partner = await desk.partner()
        r = await client.post(f"/v1/partners/{partner['partner_id']}/rotate", headers=desk.admin)
        assert r.status_code == 200, r.text
        assert datetime.fromisoformat(r.json()["previous_secret_valid_until"]) == clock.now() + timedelta(hours=24)
        rotated = {**partner, "secret": r.json()["secret"]}
        now = int(clock.now().timestamp())
        assert (await desk.pay(partner, loan_id, "10.00", at=now)).status_code == 201  # old, within grace
        assert (await desk.pay(rotated, loan_id, "10.00", at=now)).status_code == 201
        clock.advance(timedelta(hours=24, seconds=1))
        later = int(clock.now().timestamp())
        stale = await desk.pay(partner, loan_id, "10.00", at=later)
        assert stale.status_code == 401 and stale.json()["error"]["code"] == "bad_signature"
        assert (await desk.pay(rotated, loan_id, "10.00", at=later)).status_code == 201
        received = [e for e in await desk.events(loan_id) if e["type"] == "loan.payment.received"]
        assert len(received) == 3


async def test_rotation_refuses_a_grace_period_out_of_range(servicing):
    partner = await servicing.partner()
    r = await servicing.client.post(f"/v1/partners/{partner['partner_id']}/rotate", headers=servicing.admin,
                                    json={"grace_hours": 10_000})
    assert r.status_code == 422
    assert (await servicing.pay(partner, await servicing.disburse(), "10.00")).status_code == 201  # unchanged


async def test_same_key_same_body_replays_and_another_body_conflicts(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    first = await servicing.pay(partner, loan_id, "100.00", key="k-1", ref="bank-1")
    again = await servicing.pay(partner, loan_id, "100.00", key="k-1", ref="bank-1")
    other = await servicing.pay(partner, loan_id, "200.00", key="k-1", ref="bank-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    received = [e for e in await servicing.events(loan_id) if e["type"] == "loan.payment.received"]
    assert len(received) == 1


async def test_concurrent_requests_with_one_key_take_effect_once(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    answers = await asyncio.gather(*[servicing.pay(partner, loan_id, "50.00", key="same", ref="r")
                                     for _ in range(5)])
    assert {a.status_code for a in answers} <= {201, 409}
    assert any(a.status_code == 201 for a in answers)
    received = [e for e in await servicing.events(loan_id) if e["type"] == "loan.payment.received"]
    assert len(received) == 1


async def test_a_partial_payment_covers_interest_first(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    body = (await servicing.pay(partner, loan_id, "100.00")).json()
    assert body["allocation"] == [
        {"installment_number": 1, "kind": "interest", "amount": "60.00"},
        {"installment_number": 1, "kind": "principal", "amount": "40.00"},
    ]
    schedule = (await servicing.client.get(f"/v1/loans/{loan_id}/schedule", headers=servicing.reader)).json()
    assert schedule["installments"][0]["paid"] == "100.00"
    assert schedule["installments"][0]["status"] == "partially_paid"


async def test_paying_the_payoff_amount_pays_the_loan_off_and_later_payments_conflict(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    payoff = (await servicing.loan(loan_id))["payoff_amount"]
    assert Decimal(payoff) == Decimal("3060.00")  # all principal + the current period's interest
    r = await servicing.pay(partner, loan_id, payoff)
    assert r.status_code == 201 and r.json()["status"] == "paid_off"
    events = await servicing.events(loan_id)
    assert events[-1]["type"] == "loan.paid_off"
    assert events[-1]["data"]["total_paid"] == "3060.00"
    view = await servicing.loan(loan_id)
    assert (view["status"], view["principal_outstanding"]) == ("paid_off", "0.00")
    late = await servicing.pay(partner, loan_id, "1.00")
    assert late.status_code == 409 and late.json()["error"]["code"] == "loan_paid_off"


async def test_overpayment_is_refused_and_changes_nothing(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    r = await servicing.pay(partner, loan_id, "3060.01", key="over")
    assert r.status_code == 422 and r.json()["error"]["code"] == "overpayment"
    assert len(await servicing.events(loan_id)) == 1
    retry = await servicing.pay(partner, loan_id, "100.00", key="over")  # failures are not remembered
    assert retry.status_code == 201


async def test_unknown_loan_is_404_and_bad_bodies_are_422(servicing):
    partner = await servicing.partner()
    assert (await servicing.pay(partner, "loan-nope", "10.00")).status_code == 404
    assert (await servicing.pay(partner, "loan-nope", "-5.00")).status_code == 422
    assert (await servicing.pay(partner, "loan-nope", "1.001")).status_code == 422


async def test_an_amount_too_large_to_hold_to_the_fen_is_422_and_changes_nothing(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    for amount in ("1e30", "9" * 29):
        r = await servicing.pay(partner, loan_id, amount)
        assert r.status_code == 422, r.text
        assert [d["field"] for d in r.json()["error"]["details"]] == ["amount"]
    assert len(await servicing.events(loan_id)) == 1  # only the schedule


async def test_paid_at_without_a_utc_offset_is_422_and_changes_nothing(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    for paid_at in ("2026-04-20T10:00:00", "2026-04-20", "yesterday"):
        body = json.dumps({"loan_id": loan_id, "amount": "10.00", "paid_at": paid_at, "external_ref": "ext-1"})
        r = await servicing.post_signed(partner, body.encode())
        assert r.status_code == 422, (paid_at, r.text)
        assert [d["field"] for d in r.json()["error"]["details"]] == ["paid_at"]
    assert len(await servicing.events(loan_id)) == 1  # only the schedule
    body = json.dumps({"loan_id": loan_id, "amount": "10.00", "paid_at": "2026-04-20T02:00:00Z", "external_ref": "e"})
    r = await servicing.post_signed(partner, body.encode())
    assert r.status_code == 201, r.text
    assert (await servicing.events(loan_id))[-1]["data"]["paid_at"].startswith("2026-04-20T02:00:00")


async def test_a_nul_character_in_any_text_is_422_and_records_nothing(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    r = await servicing.pay(partner, loan_id, "10.00", ref="bank-ref\u0000")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_text", r.text
    assert (await servicing.pay(partner, "loan\u0000", "10.00")).status_code == 422
    assert len(await servicing.events(loan_id)) == 1  # only the schedule
    r = await servicing.client.get("/v1/loans/loan%00x", headers=servicing.reader)
    assert r.status_code == 422, r.text
    r = await servicing.client.post("/v1/partners", json={"name": "Ali\u0000pay"}, headers=servicing.admin)
    assert r.status_code == 422
    listing = await servicing.client.get("/v1/partners", headers=servicing.admin)
    assert [p["partner_id"] for p in listing.json()["items"]] == [partner["partner_id"]]


async def test_waterfall_after_a_missed_installment_pays_penalty_before_interest(servicing):
    loan_id = await servicing.disburse()
    partner = await servicing.partner()
    await servicing.advance(date(2026, 4, 23))  # 20 April unpaid: three days of 罚息
    view = await servicing.loan(loan_id)
    penalty = Decimal(view["overdue"]["penalty_interest"])
    assert penalty == Decimal("0.24") * 3  # 0.05% a day on 475.58 overdue principal, to the fen
    body = (await servicing.pay(partner, loan_id, str(penalty + Decimal("70.00")))).json()
    assert body["allocation"] == [
        {"kind": "penalty_interest", "amount": f"{penalty:.2f}"},
        {"installment_number": 1, "kind": "interest", "amount": "60.00"},
        {"installment_number": 1, "kind": "principal", "amount": "10.00"},
    ]
    assert body["status"] == "overdue"


async def test_secrets_stored_in_plain_text_before_encryption_are_sealed_and_still_verify(servicing):
    loan_id = await servicing.disburse()
    async with servicing.app.state.kernel.db.acquire() as conn:
        await conn.execute("INSERT INTO partners (partner_id, name, secret) VALUES ('ptn_old', 'Old Bank', 'plain-1')")
    legacy = {"partner_id": "ptn_old", "secret": "plain-1"}
    assert (await servicing.pay(legacy, loan_id, "10.00")).status_code == 201
    async with servicing.app.state.kernel.db.acquire() as conn, conn.transaction():
        assert await partners.seal_stored(conn, servicing.app.state.secret_box) == 1
        assert await partners.seal_stored(conn, servicing.app.state.secret_box) == 0
        stored = await conn.fetchval("SELECT secret FROM partners WHERE partner_id = 'ptn_old'")
    assert stored.startswith("enc:v1:")
    assert (await servicing.pay(legacy, loan_id, "10.00")).status_code == 201
