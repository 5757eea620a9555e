"""Abuse limits on POST /v1/repayments: a rate limit per partner, partners bound to a channel, and one
partner's idempotent results out of another's reach. Real PostgreSQL; the app in-process."""

from __future__ import annotations

import json

from tests.servicing.conftest import servicing_app


async def stored_keys(desk, key: str) -> list[str]:
    async with desk.app.state.kernel.db.acquire() as conn:
        return [r["scope"] for r in await conn.fetch("SELECT scope FROM idempotency_keys WHERE key = $1", key)]


async def payments(desk, loan_id: str) -> list[dict]:
    return [e["data"] for e in await desk.events(loan_id) if e["type"] == "loan.payment.received"]


async def test_past_its_burst_a_partner_gets_429_with_retry_after_and_nothing_is_recorded(platform, _drop_platform_dbs):
    async with servicing_app(platform, partner_rate_per_second=0.01, partner_burst=2) as desk:
        loan_id = await desk.disburse()
        partner, other = await desk.partner(), await desk.partner()
        assert [(await desk.pay(partner, loan_id, "10.00")).status_code for _ in range(2)] == [201, 201]
        limited = await desk.pay(partner, loan_id, "10.00", key="limited-key")
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "100"  # a token every 100 s
        assert limited.json()["error"]["code"] == "rate_limited"
        assert limited.json()["error"]["details"] == [{"retry_after_seconds": 100}]
        assert len(await payments(desk, loan_id)) == 2
        assert await stored_keys(desk, "limited-key") == []  # not kept as the key's answer
        # a replay is a request too: limited as well, and the other partner has its own bucket
        assert (await desk.pay(partner, loan_id, "10.00", key="limited-key")).status_code == 429
        assert (await desk.pay(other, loan_id, "10.00", key="limited-key")).status_code == 201
        # bad signatures do not spend the partner's tokens (they are refused before the limit)
        assert (await desk.pay(other, loan_id, "10.00", secret="forged")).status_code == 401
        assert (await desk.pay(other, loan_id, "10.00")).status_code == 201


async def test_a_partner_with_a_channel_pays_only_loans_of_its_channels_products(servicing):
    credit_loan = await servicing.disburse(product="credit")
    mortgage_loan = await servicing.disburse(product="mortgage")
    bank = await servicing.partner(channel="mortgage")
    anyone = await servicing.partner()
    outside = await servicing.pay(bank, credit_loan, "10.00", key="k-out")
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "partner_channel"
    assert await payments(servicing, credit_loan) == [] and await stored_keys(servicing, "k-out") == []
    assert (await servicing.pay(bank, mortgage_loan, "10.00")).status_code == 201
    assert (await servicing.pay(anyone, credit_loan, "10.00")).status_code == 201  # no channel: any loan
    unknown = await servicing.pay(bank, "loan-nope", "10.00")
    assert unknown.status_code == 404
    listed = (await servicing.client.get("/v1/partners", headers=servicing.admin)).json()["items"]
    assert {p["partner_id"]: p["channel"] for p in listed} == {bank["partner_id"]: "mortgage",
                                                               anyone["partner_id"]: None}


async def test_a_channel_must_be_configured_and_channels_map_to_products(platform, _drop_platform_dbs):
    async with servicing_app(platform, partner_channels={"bank": ["mortgage", "guaranteed"]}) as desk:
        refused = await desk.client.post("/v1/partners", json={"name": "X", "channel": "credit"}, headers=desk.admin)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "unknown_channel"
        assert refused.json()["error"]["details"] == [{"channels": ["bank"]}]
        assert (await desk.client.get("/v1/partners", headers=desk.admin)).json()["items"] == []
        bank = await desk.partner(channel="bank")
        assert (await desk.pay(bank, await desk.disburse(product="guaranteed"), "10.00")).status_code == 201
        assert (await desk.pay(bank, await desk.disburse(product="credit"), "10.00")).status_code == 403


async def test_one_partner_cannot_pay_read_or_replay_another_partners_results(servicing):
    loan_id = await servicing.disburse(product="credit")
    alipay = await servicing.partner(channel="credit")
    bank = await servicing.partner(channel="mortgage")
    open_partner = await servicing.partner()
    body = json.dumps({"loan_id": loan_id, "amount": "100.00", "paid_at": "2026-04-20T10:00:00+08:00",
                       "external_ref": "alipay-1"}).encode()
    first = await servicing.post_signed(alipay, body, key="shared-key")
    assert first.status_code == 201
    # the same key and body from another partner is not a replay of alipay's answer
    other = await servicing.post_signed(bank, body, key="shared-key")
    assert other.status_code == 403 and "idempotent-replayed" not in other.headers
    assert first.json()["payment_id"] not in other.text
    own = await servicing.post_signed(open_partner, body, key="shared-key")
    assert own.status_code == 201 and "idempotent-replayed" not in own.headers
    assert own.json()["payment_id"] != first.json()["payment_id"]
    replay = await servicing.post_signed(alipay, body, key="shared-key")
    assert replay.headers["idempotent-replayed"] == "true" and replay.json() == first.json()
    assert sorted(await stored_keys(servicing, "shared-key")) == sorted(
        [f"repayments:{alipay['partner_id']}", f"repayments:{open_partner['partner_id']}"])
    # signing someone else's id with one's own secret is 401; partners have no way to read loans
    forged = await servicing.post_signed({"partner_id": alipay["partner_id"], "secret": bank["secret"]}, body,
                                         key="shared-key")
    assert forged.status_code == 401
    read = await servicing.client.get(f"/v1/loans/{loan_id}", headers={"X-Partner-Id": alipay["partner_id"]})
    assert read.status_code == 401
    assert [p["external_ref"] for p in await payments(servicing, loan_id)] == ["alipay-1", "alipay-1"]
