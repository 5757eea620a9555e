"""The whole lifecycle through the public APIs of four service processes (DOMAIN.md's stories).

One business calendar: the story loans and a small portfolio are originated on 1 March; the
first installments fall due on 20 April; the stories play out while the portfolio's on-time
borrowers pay on due dates and late ones ten days after.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from loanflow.client import LoanflowClient, wait_for
from loanflow.demo import run_demo
from loanflow.stories import loan_timeline, types_in
from loanflow.world import OPS


@pytest.fixture
async def demo(system):
    client = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        yield await run_demo(client, portfolio=12, seed=3)
    finally:
        await client.close()


def index_of(types: list[str], wanted: str, after: int = -1) -> int:
    return types.index(wanted, after + 1)


async def test_the_stories_of_domain_md_end_to_end(demo):
    world, reports = demo.world, demo.reports

    # Story 1: missed, promise broken (fee), promise kept, cured — every step on the loan's timeline.
    case = demo.cured["case"]
    assert case["resolution"] == "cured"
    assert [p["status"] for p in case["promises"]] == ["broken", "kept"]
    assert case["broken_promises"] == 1
    assert "collections.contact.logged" in types_in(case)
    assert any(rule.startswith("broken-promise") for rule in case["fired_rules"])
    async def whole_story_known() -> list | None:
        """Reporting hears each service's topic on its own partitions: wait for the last steps."""
        events = await loan_timeline(world, "cured")
        seen = {e["type"] for e in events}
        return events if {"collections.promise.kept", "collections.case.resolved"} <= seen else None

    timeline = await wait_for(whole_story_known, "reporting's timeline of the cured loan", 60)
    types = [e["type"] for e in timeline]
    at = index_of(types, "loan.disbursed")
    for step in ["loan.schedule.created", "loan.payment.due", "loan.payment.missed", "collections.case.opened",
                 "collections.promise.made", "collections.promise.broken"]:
        at = index_of(types, step, at)
    fee = next(e for e in timeline if e["type"] == "loan.charge.applied" and e["data"]["kind"] == "failed_debit_fee")
    assert fee["caused_by"]["type"] == "collections.promise.broken"
    paid = index_of(types, "loan.payment.received", types.index("collections.promise.broken"))
    assert "collections.case.resolved" in types[paid:] and "collections.promise.kept" in types[paid:]
    assert {e["source"] for e in timeline} == {"origination", "servicing", "collections"}
    payments = [e for e in timeline if e["type"] == "loan.payment.received"
                and e["data"]["payment_id"] == demo.cured["payment"]["payment_id"]]
    assert len(payments) == 1, "the retried repayment (same Idempotency-Key) was recorded once"

    # Story 2: 91+ DPD, back-end, legal, written off, partly recovered afterwards.
    assert demo.legal["case"]["stage"] == "back" and demo.legal["case"]["legal_referred"]
    legal_loan = await world.loan("legal")
    assert legal_loan["status"] == "written_off"
    legal_events = await loan_timeline(world, "legal")
    written_off = next(e for e in legal_events if e["type"] == "loan.written_off")
    recoveries = [e for e in legal_events if e["type"] == "loan.payment.received"]
    assert len(recoveries) == 1 and recoveries[0]["data"]["amount"] == demo.legal["recovered_after_write_off"]
    assert recoveries[0]["sequence"] > written_off["sequence"], "recovered after the write-off, in the loan's stream"

    # Story 3: special paths.
    assert demo.special["fraud"]["queue"] == "fraud"
    assert demo.special["deceased"]["special_path"] == "estate_repayment"

    # Reports agree with servicing's own loan views on the same business date.
    views = [await world.loan(key) for key in world.loans]
    assert {v["business_date"] for v in views} == {reports["as_of"]}
    live = [v for v in views if v["status"] in ("current", "overdue")]
    outstanding = sum((Decimal(v["principal_outstanding"]) for v in live), Decimal("0"))
    npl = sum((Decimal(v["principal_outstanding"]) for v in live if v["days_past_due"] > 90), Decimal("0"))
    portfolio, delinquency, collections = reports["portfolio"], reports["delinquency"], reports["collections"]
    assert portfolio["loans_disbursed"]["count"] == len(world.loans)
    assert Decimal(portfolio["loans_disbursed"]["amount"]) == sum(loan.amount for loan in world.loans.values())
    assert portfolio["active_loans"] == len(live)
    assert Decimal(portfolio["outstanding_principal"]) == outstanding
    assert npl > 0, "the seeded portfolio has never-paying borrowers past 90 days"
    assert Decimal(delinquency["npl"]["balance"]) == npl
    assert Decimal(delinquency["npl"]["ratio"]) == (npl / outstanding).quantize(Decimal("0.0001"))
    assert collections["promises"]["kept"] >= 1 and collections["promises"]["broken"] >= 1
    kept, broken = collections["promises"]["kept"], collections["promises"]["broken"]
    assert Decimal(collections["promise_kept_rate"]) == (Decimal(kept) / (kept + broken)).quantize(Decimal("0.0001"))
    assert Decimal(collections["recovered"]) >= Decimal(demo.cured["repaid"])


async def test_a_payment_for_an_unknown_loan_or_with_a_bad_signature_changes_nothing(system):
    client = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        partner = await client.add_partner("bank-e2e")
        unknown = await client.repay(partner, "no-such-loan", "10.00")
        assert unknown.status_code == 404
        partner.secret = "wrong-" + partner.secret
        forged = await client.repay(partner, "no-such-loan", "10.00")
        assert forged.status_code == 401
        assert forged.json()["error"]["code"] == "bad_signature"
        loans = await client.get("servicing", "/v1/loans", OPS)
        assert loans["items"] == []
    finally:
        await client.close()
