"""Issue 15's legal story end to end, through four `loanflow serve` processes (real PostgreSQL and broker).

Two loans are originated on 1 March 2026 and never paid. At 92 days past due both cases reach the
back-end and the escalation policy refers them to legal (back-legal-large: the referral step). Legal files
the first at court (fees), obtains a payment order (支付令), applies for enforcement (强制执行); the
enforced money pays the loan off through the bank, the case closes, and legal closes the proceedings with the
amount recovered. The second is never filed in time: its debt becomes time-barred and its filing is refused.
The case view and the collections report show the proceedings and their costs; the loan's timeline the steps.

A one-year limitation period (LOANFLOW_COLLECTIONS_STATUTE_YEARS; three by default) keeps the calendar short.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from loanflow.client import LoanflowClient, id_number, wait_for
from loanflow.world import (
    ANALYST,
    LEGAL,
    OPS,
    SUPERVISOR,
    approve_and_disburse,
)

FIRST_DUE = date(2026, 4, 20)


@pytest.fixture
def system_env(system_env: dict[str, str]) -> dict[str, str]:
    return {**system_env, "LOANFLOW_COLLECTIONS_STATUTE_YEARS": "1"}


async def originate(c: LoanflowClient, seq: int, name: str) -> str:
    applicant = {"name": name, "id_number": id_number("310115", "19800101", seq), "phone": f"139{seq:08d}",
                 "monthly_income": "20000.00", "region": "上海市"}
    body = {"applicant": applicant, "product": "credit", "amount": "30000.00", "term_months": 12,
            "annual_rate": "0.12", "repayment_method": "equal_installment",
            "contacts": [{"relation": r, "name": "王芳", "phone": f"138{seq:05d}{i:03d}"}
                         for i, r in enumerate(("family", "other", "work"))],
            "credit_report": {"max_overdue_months": 0}}
    return (await approve_and_disburse(c, body))[1]


async def case_of(c: LoanflowClient, loan_id: str, check: Any, what: str) -> dict[str, Any]:
    async def found() -> dict[str, Any] | None:
        page = await c.get("collections", "/v1/cases", SUPERVISOR, params={"loan_id": loan_id})
        if not page["items"]:
            return None
        view = await c.get("collections", f"/v1/cases/{page['items'][0]['case_id']}", SUPERVISOR)
        return view if check(view) else None  # type: ignore[no-any-return]
    return await wait_for(found, what, 90)


async def test_a_case_is_filed_ordered_enforced_and_closed_and_a_time_barred_one_is_never_filed(client):
    c = client
    filed_loan, barred_loan = await originate(c, 301, "陈强"), await originate(c, 302, "刘洋")

    # 92 days past due: back-end, referred to legal by the policy (the referral step)
    day = FIRST_DUE + timedelta(days=92)
    await c.advance(day.isoformat())
    case = await case_of(c, filed_loan, lambda v: v["days_past_due"] >= 92 and v["legal"]["status"] == "referred",
                         "the first case referred to legal at 92 DPD")
    await case_of(c, barred_loan, lambda v: v["legal"]["status"] == "referred", "the second case referred")
    cid = case["case_id"]
    assert (case["stage"], case["queue"], case["legal"]["in_legal"]) == ("back", "legal", True)
    [referral] = case["legal"]["actions"]
    assert (referral["kind"], referral["recorded_by"], referral["rule_id"]) == ("referral", "policy",
                                                                               "back-legal-large")
    assert "2026-07-19" <= referral["on"] <= day.isoformat()  # the day-close that crossed 90 DPD
    url = f"/v1/cases/{cid}/legal-actions"

    # out of order: no enforcement before an order; a collector may not record proceedings
    early = await c.post("collections", url, LEGAL, {"kind": "enforcement", "on": day.isoformat()}, expect=409)
    assert (early["error"]["code"], early["error"]["details"][0]["allowed"]) == ("legal_out_of_order",
                                                                                 ["filing", "closed"])
    await c.post("collections", url, (case["assignee"], "collector"), {"kind": "filing", "on": day.isoformat()},
                 expect=403)

    # filing (立案): the court, its case number, the court fees
    filed = await c.post("collections", url, LEGAL, {
        "kind": "filing", "on": day.isoformat(), "court": "上海市浦东新区人民法院",
        "reference": "(2026)沪0115民初8812号", "cost": "318.75"}, expect=201)
    assert (filed["legal"]["status"], filed["legal"]["next"]) == ("filed", ["payment_order", "judgment", "closed"])

    # a payment order (支付令) two weeks later, then enforcement (强制执行)
    owed = (await c.get("servicing", f"/v1/loans/{filed_loan}", OPS))["overdue"]["total"]
    day += timedelta(days=14)
    await c.advance(day.isoformat())
    await case_of(c, filed_loan, lambda v: v["days_past_due"] >= 106, "collections at the payment order's date")
    await c.post("collections", url, LEGAL, {"kind": "payment_order", "on": day.isoformat(),
                                             "reference": "(2026)沪0115民督301号", "cost": "50.00",
                                             "amount": owed}, expect=201)
    day += timedelta(days=20)
    await c.advance(day.isoformat())
    await case_of(c, filed_loan, lambda v: v["days_past_due"] >= 126, "collections at the enforcement's date")
    enforced = await c.post("collections", url, SUPERVISOR, {"kind": "enforcement", "on": day.isoformat(),
                                                             "reference": "(2026)沪0115执1207号", "cost": "100.10"},
                            expect=201)
    assert enforced["legal"]["next"] == ["closed"] and enforced["legal"]["costs_total"] == "468.85"

    # the court's enforcement brings in the whole debt, through the bank: the loan is paid off, the case closes
    owed = (await c.get("servicing", f"/v1/loans/{filed_loan}", OPS))["payoff_amount"]
    paid = await c.repay(await c.add_partner("court-enforcement"), filed_loan, owed)
    assert paid.status_code == 201, paid.text
    ended = await case_of(c, filed_loan, lambda v: v["status"] == "closed", "the case closed by the enforced payment")
    assert ended["resolution"] == "paid_off" and ended["legal"]["next"] == ["closed"]

    # legal closes the proceedings: recovered, with the amount
    closed = await c.post("collections", url, LEGAL, {"kind": "closed", "on": day.isoformat(), "outcome": "recovered",
                                                      "amount": owed}, expect=201)
    legal = closed["legal"]
    assert [a["kind"] for a in legal["actions"]] == ["referral", "filing", "payment_order", "enforcement", "closed"]
    assert [a["cost"] for a in legal["actions"]] == ["0.00", "318.75", "50.00", "100.10", "0.00"]
    assert (legal["status"], legal["in_legal"], legal["costs_total"], legal["next"]) == ("closed", False, "468.85",
                                                                                       [])
    assert legal["actions"][-1]["amount"] == owed and legal["actions"][1]["court"] == "上海市浦东新区人民法院"

    # the second case: never filed; a year after its due date the debt is time-barred, its filing refused
    barred_day = FIRST_DUE + timedelta(days=366)
    await c.advance(barred_day.isoformat())
    barred = await case_of(c, barred_loan, lambda v: v["statute"]["expired"], "the second debt time-barred")
    assert (barred["legal"]["status"], barred["legal"]["next"], barred["queue"]) == ("none", [], "back")
    refused = await c.post("collections", f"/v1/cases/{barred['case_id']}/legal-actions", LEGAL, {
        "kind": "filing", "on": barred_day.isoformat(), "court": "上海市浦东新区人民法院",
        "reference": "(2027)沪0115民初1号", "cost": "318.75"}, expect=409)
    assert refused["error"]["code"] == "time_barred"
    after = await c.get("collections", f"/v1/cases/{barred['case_id']}", SUPERVISOR)
    assert [a["kind"] for a in after["legal"]["actions"]] == ["referral"]

    # the collections report: proceedings per stage, steps, costs, what legal recovered
    async def reported() -> dict[str, Any] | None:
        report = await c.get("reporting", "/v1/reports/collections", ANALYST,
                             params={"from": "2026-03-01", "to": barred_day.isoformat()})
        return report["legal"] if report["legal"]["closed"] == 1 and report["time_barred_cases"] >= 1 else None

    figures = await wait_for(reported, "reporting's legal figures", 90)
    assert figures["cases"] == {"referred": 0, "filed": 0, "payment_order": 0, "judgment": 0, "enforcement": 0,
                                "closed": 1}
    assert (figures["referrals"], figures["filings"], figures["payment_orders"], figures["enforcements"]) == (2, 1, 1,
                                                                                                             1)
    assert (figures["costs"], Decimal(figures["recovered"])) == ("468.85", Decimal(owed))
    assert figures["closed_by_outcome"]["recovered"] == 1

    # every step is on the loan's timeline
    async def on_timeline() -> list[str] | None:
        page = await c.get("reporting", f"/v1/loans/{filed_loan}/timeline", ANALYST, params={"limit": 500})
        steps = [e["data"]["kind"] for e in page["items"] if e["type"] == "collections.legal.action_recorded"]
        return steps if len(steps) == 4 else None

    assert await wait_for(on_timeline, "the legal steps on the timeline", 60) == [
        "filing", "payment_order", "enforcement", "closed"]
