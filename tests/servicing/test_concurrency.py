"""Repayments racing a multi-day advance: no deadlock, no 500, streams and read model agree."""

from __future__ import annotations

import asyncio
from datetime import date

from services.servicing.adapters import loan_repository as repo


async def test_payments_during_day_close_all_land_and_the_read_model_matches_the_streams(servicing):
    loans = [await servicing.disburse() for _ in range(4)]
    partner = await servicing.partner()

    async def payments():
        answers = []
        for _ in range(5):
            for loan_id in loans:
                answers.append(await servicing.pay(partner, loan_id, "20.00"))
        return answers

    advanced, *paid = await asyncio.gather(
        servicing.client.post("/v1/business-date/advance", json={"to": "2026-05-10"}, headers=servicing.admin),
        payments(), payments())
    await servicing.advanced(advanced)  # 200, or 202 followed until its job is done
    statuses = [a.status_code for batch in paid for a in batch]
    assert statuses == [201] * 40  # the loan row lock orders them around each day-close
    store = servicing.app.state.servicing.store
    async with servicing.app.state.kernel.db.acquire() as conn:
        for loan_id in loans:
            events = await servicing.events(loan_id)
            assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
            loan = await repo.load(conn, store, loan_id)
            row = await conn.fetchrow("SELECT version, principal_outstanding, status, overdue_since FROM loans "
                                      "WHERE loan_id = $1", loan_id)
            assert (row["version"], row["principal_outstanding"]) == (loan.version, loan.principal_outstanding)
            on = date(2026, 5, 10)
            assert (row["status"], row["overdue_since"]) == (loan.status(on), loan.overdue_since(on))
            paid_rows = await conn.fetch("SELECT principal_paid, interest_paid FROM installments WHERE loan_id = $1 "
                                         "ORDER BY number", loan_id)
            assert [(r["principal_paid"], r["interest_paid"]) for r in paid_rows] == [
                (i.principal_paid, i.interest_paid) for i in loan.installments]
            charges = await conn.fetchval("SELECT coalesce(sum(amount - paid), 0) FROM charges WHERE loan_id = $1",
                                          loan_id)
            assert charges == sum((c.left for c in loan.charges), 0)
    assert (await servicing.client.get("/v1/business-date", headers=servicing.reader)).json()["business_date"] \
        == date(2026, 5, 10).isoformat()


async def test_reading_loans_needs_a_token_and_an_unknown_loan_is_404(servicing):
    loan_id = await servicing.disburse()
    assert (await servicing.client.get(f"/v1/loans/{loan_id}")).status_code == 401
    missing = await servicing.client.get("/v1/loans/loan-nope", headers=servicing.reader)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "loan_not_found"
    listing = await servicing.client.get("/v1/loans?status=current&limit=1", headers=servicing.reader)
    assert [i["loan_id"] for i in listing.json()["items"]] == [loan_id]
    advance = await servicing.client.post("/v1/business-date/advance", json={"to": "2026-03-05"},
                                          headers=servicing.reader)
    assert advance.status_code == 403
    bad = await servicing.client.post("/v1/business-date/advance", json={"to": "soon"}, headers=servicing.admin)
    assert bad.status_code == 422
