"""Issue 14's story end to end, through four `loanflow serve` processes (real PostgreSQL and broker):
a borrower who moved is traced through a contact, visited at the new address, sent a registered
demand letter whose delivery restarts the statute clock, complains about the collector while
collection goes on, and pays in full through his bank partner.

The business calendar starts on 1 March 2026 (the loan is originated then); the first installment
falls due on the 20th of April and goes unpaid.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from loanflow.client import LoanflowClient, id_number, wait_for
from loanflow.stories import types_in
from loanflow.world import ANALYST, OPS, SUPERVISOR, approve_and_disburse
from tests.collections.test_letters_api import pdf_text

HOME = "上海市浦东新区张江路100弄5号"
WORK = "上海市徐汇区漕溪北路88号"
NEW_HOME = "上海市闵行区莘庄镇都市路88号"


@pytest.fixture
def system_env(system_env: dict[str, str]) -> dict[str, str]:
    """Contact hours open all day: the story's calls and visits must not depend on the wall clock."""
    return {**system_env, "LOANFLOW_COLLECTIONS_CALL_WINDOW_START": "00:00:00",
            "LOANFLOW_COLLECTIONS_CALL_WINDOW_END": "23:59:59"}


async def originate(c: LoanflowClient) -> str:
    """Intake with the second-round fields, three reviews by three people, disbursement."""
    applicant = {"name": "张伟", "id_number": id_number("310115", "19860704", 211), "phone": "13912345678",
                 "monthly_income": "12000.00", "region": "上海市",
                 "addresses": {"home": HOME, "work": WORK},
                 "employer": {"name": "华联超市", "address": WORK, "phone": "13611112222"}}
    body = {"applicant": applicant, "product": "credit", "amount": "12000.00", "term_months": 12,
            "annual_rate": "0.12", "repayment_method": "equal_installment",
            "contacts": [{"relation": "family", "name": "王芳", "phone": "13800000001"},
                         {"relation": "other", "name": "赵强", "phone": "13800000002"},
                         {"relation": "work", "name": "钱经理", "phone": "13800000003"}],
            "credit_report": {"max_overdue_months": 0}}
    return (await approve_and_disburse(c, body, investigation=False))[1]


async def open_case(c: LoanflowClient, loan_id: str) -> dict[str, Any] | None:
    page = await c.get("collections", "/v1/cases", SUPERVISOR, params={"loan_id": loan_id})
    if not page["items"]:
        return None
    return await c.get("collections", f"/v1/cases/{page['items'][0]['case_id']}", SUPERVISOR)  # type: ignore[no-any-return]


async def test_a_borrower_who_moved_is_traced_visited_sent_a_demand_complains_and_pays(client):
    c = client
    loan_id = await originate(c)

    async def built() -> dict[str, Any] | None:
        answer = await c.call("GET", "servicing", f"/v1/loans/{loan_id}/schedule", OPS, expect=(200, 404))
        return answer if "installments" in answer else None

    schedule = await wait_for(built, "the loan's schedule built by servicing", 60)
    first_due = date.fromisoformat(schedule["installments"][0]["due_date"])
    assert first_due == date(2026, 4, 20)

    # the first installment goes unpaid: day-close opens a front-end case
    opened_on = first_due + timedelta(days=1)
    await c.advance(opened_on.isoformat())
    case = await wait_for(lambda: open_case(c, loan_id), "the case opened by day-close", 60)
    cid, collector = case["case_id"], case["assignee"]
    assert (case["stage"], case["days_past_due"], case["status"]) == ("front", 1, "open")
    assert collector and collector not in ("cm-li", "tm-wang", "cr-zhao", "ops")
    li = (collector, "collector")
    points = {p["point_id"]: p for p in case["contact_points"]}
    assert (points["borrower-home"]["kind"], points["borrower-home"]["value"], points["borrower-home"]["status"]) == (
        "address", "上海市浦东新****", "unknown")
    assert points["employer"]["value"] == "华联超市" and points["borrower-work"]["kind"] == "address"
    assert {"borrower-phone", "employer-phone", "employer-address", "contact-family", "contact-other",
            "contact-work"} <= points.keys()
    assert (case["statute"]["runs_from"], case["statute"]["expires_on"]) == ("2026-04-20", "2029-04-20")
    contacts = f"/v1/cases/{cid}/contacts"

    # a visit to the home address: he moved — the address is invalid, the borrower unreachable
    moved = await c.post("collections", contacts, li, {"channel": "visit", "outcome": "moved",
                                                       "target": "borrower-home", "note": "邻居说二月已搬走"})
    assert moved["special_status"] == "unreachable"
    home = next(p for p in moved["contact_points"] if p["point_id"] == "borrower-home")
    assert (home["status"], home["status_reason"]) == ("invalid", "moved")

    # a call to his wife (a third party: locating only) gives the new address; a promise with her is refused
    refused = await c.post("collections", contacts, li, {"channel": "phone", "outcome": "promise", "target": "family"},
                           expect=409)
    assert refused["error"]["code"] == "third_party_disclosure"
    traced = await c.post("collections", contacts, li, {"channel": "phone", "outcome": "third_party",
                                                        "target": "family", "reason": "job_loss",
                                                        "note": "妻子称其失业后搬到闵行"})
    assert traced["latest_reason"] == "job_loss"
    found = await c.post("collections", f"/v1/cases/{cid}/contact-points", li,
                         {"kind": "address", "value": NEW_HOME, "relation": "borrower",
                          "source": "contact:contact-family"}, expect=201)
    new_point = found["point_id"]
    assert new_point.startswith("cp-")
    assert (found["kind"], found["value"], found["status"], found["source"]) == (
        "address", "上海市闵行区****", "unknown", "contact:contact-family")

    # visited at the new address: met him — a valid visit, he is reachable again
    met = await c.post("collections", contacts, li, {"channel": "visit", "outcome": "met_borrower",
                                                     "target": new_point, "reason": "job_loss"})
    assert met["special_status"] == "none"
    assert next(p for p in met["contact_points"] if p["point_id"] == new_point)["status"] == "valid"

    # a registered demand notice (催收通知书) to the new address, delivered two days later
    stale = await c.post("collections", f"/v1/cases/{cid}/letters", li,
                         {"template": "demand_notice", "registered": True, "address_point_id": "borrower-home"},
                         expect=409)
    assert stale["error"]["code"] == "address_invalid"
    letter = await c.post("collections", f"/v1/cases/{cid}/letters", li,
                          {"template": "demand_notice", "registered": True, "address_point_id": new_point},
                          expect=201)
    letter_id = letter["letter_id"]
    assert letter_id == f"{cid}-L2" and letter["tracking_number"].endswith("CN")  # the refusal recorded nothing
    pdf = await c.http.get(f"{c.urls['collections']}/v1/cases/{cid}/letters/{letter_id}.pdf",
                           headers=c.headers(*li))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = pdf_text(pdf.content)
    for words in ("催收通知书", "张伟", NEW_HOME, letter["tracking_number"], "回执"):
        assert words in text, words
    assert HOME not in text, "the letter goes to the new address, not the one he left"
    delivered_on = opened_on + timedelta(days=2)
    await c.advance(delivered_on.isoformat())

    async def day_heard() -> bool:  # collections hears servicing's day-close through the broker
        return (await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR))["days_past_due"] == 3

    await wait_for(day_heard, "collections at the new business date", 60)
    after = await c.post("collections", f"/v1/cases/{cid}/letters/{letter_id}/delivered", li,
                         {"on": delivered_on.isoformat()}, expect=200)
    mine = next(x for x in after["letters"] if x["letter_id"] == letter_id)
    assert [(x["template"], x["sent_by"]) for x in after["letters"]] == [
        ("reminder", "policy"), ("demand_notice", collector)]  # the policy's: unreachable-skip-trace
    assert (mine["status"], mine["address_point_id"], mine["delivered_on"], mine["sent_on"]) == (
        "delivered", new_point, "2026-04-23", "2026-04-21")
    # the statute clock restarted from the delivery: documented demand
    assert (after["statute"]["runs_from"], after["statute"]["expires_on"]) == ("2026-04-23", "2029-04-23")

    # he complains about the collector: the complaint is open and kept apart; collection goes on
    complaint = await c.post("collections", f"/v1/cases/{cid}/complaints", SUPERVISOR,
                             {"category": "collector_conduct", "description": "催收员向邻居透露欠款"}, expect=201)
    assert (complaint["status"], complaint["category"], complaint["collector"], complaint["owner"]) == (
        "open", "collector_conduct", collector, "supervisor:front")
    assert complaint["due_on"] > delivered_on.isoformat()
    call = await c.post("collections", contacts, li, {"channel": "phone", "outcome": "right_party_contact",
                                                      "target": "borrower-phone", "reason": "job_loss"})
    assert call["dispute"] is None and [x["status"] for x in call["complaints"]] == ["open"]
    owed = (await c.get("servicing", f"/v1/loans/{loan_id}", OPS))["overdue"]["total"]
    assert Decimal(owed) > 0
    promised = await c.post("collections", f"/v1/cases/{cid}/promises", li,
                            {"amount": owed, "promised_date": (delivered_on + timedelta(days=3)).isoformat()},
                            expect=201)
    assert [(p["status"], p["amount"]) for p in promised["promises"]] == [("open", owed)]

    # he pays the full amount through his bank (an HMAC-signed partner repayment): the case is cured
    partner = await c.add_partner("bank-e2e14")
    paid = await c.repay(partner, loan_id, owed)
    assert paid.status_code == 201, paid.text

    async def resolved() -> dict[str, Any] | None:
        view = await c.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
        return view if view["status"] == "closed" and view["promises"][0]["status"] == "kept" else None

    closed = await wait_for(resolved, "the case resolved and the promise kept", 60)
    assert (closed["resolution"], Decimal(closed["recovered"])) == ("cured", Decimal(owed))
    assert [x["status"] for x in closed["complaints"]] == ["open"]  # answered apart from the debt
    statuses = {p["point_id"]: p["status"] for p in closed["contact_points"]}
    assert (statuses["borrower-home"], statuses[new_point]) == ("invalid", "valid")
    assert "collections.letter.delivered" in types_in(closed)

    # reporting: the collector's figures for the period, and the loan's timeline in causal order
    period = {"from": opened_on.isoformat(), "to": delivered_on.isoformat()}

    async def report() -> dict[str, Any] | None:
        r = await c.get("reporting", "/v1/reports/collections", ANALYST, params=period)
        mine = r["collectors"].get(collector)
        return r if mine and mine["promises"]["kept"] == 1 and Decimal(mine["recovered"]) > 0 else None

    figures = (await wait_for(report, "the collections report", 60))["collectors"][collector]
    # the policy's reminder on the unreachable borrower is a letter too (unreachable-skip-trace)
    assert (figures["visits"], figures["letters"], figures["calls"]) == (2, 2, 2)
    assert figures["promises"] == {"made": 1, "kept": 1, "broken": 0}
    assert Decimal(figures["recovered"]) == Decimal(owed)
    assert figures["complaints"] == 1, figures
    assert (figures["valid_visits"], figures["visit_target"]) == (1, 25), figures

    async def timeline() -> list[dict[str, Any]] | None:
        page = await c.get("reporting", f"/v1/loans/{loan_id}/timeline", ANALYST, params={"limit": 500})
        types = {e["type"] for e in page["items"]}
        return page["items"] if {"collections.case.resolved", "collections.promise.kept"} <= types else None

    def step(e: dict[str, Any]) -> tuple[str, str, str]:
        d = e["data"]
        what = {"collections.contact.logged": f"{d.get('channel')} {d.get('outcome')} {d.get('target_kind')}",
                "collections.contact_point.status_changed": f"{d.get('point_id')} {d.get('status')}",
                "collections.contact_point.added": str(d.get("point_id")),
                "collections.letter.sent": f"{d.get('template')} {d.get('sent_by')}",
                "collections.letter.delivered": str(d.get("letter_id")),
                "collections.statute.restarted": f"{d.get('kind')} {d.get('on')}",
                "collections.complaint.opened": str(d.get("category"))}.get(e["type"], "")
        return e["businessdate"], e["type"], what

    story = {"loan.disbursed", "loan.payment.missed", "collections.case.opened", "collections.contact.logged",
             "collections.contact_point.status_changed", "collections.contact_point.added", "collections.letter.sent",
             "collections.letter.delivered", "collections.statute.restarted", "collections.complaint.opened",
             "collections.promise.made", "loan.payment.received", "collections.promise.kept",
             "collections.case.resolved"}
    events = await wait_for(timeline, "the loan's timeline", 60)
    assert [step(e) for e in events if e["type"] in story] == [
        ("2026-03-01", "loan.disbursed", ""),
        ("2026-04-21", "loan.payment.missed", ""),
        ("2026-04-21", "collections.case.opened", ""),
        ("2026-04-21", "collections.contact.logged", "visit moved borrower"),
        ("2026-04-21", "collections.contact_point.status_changed", "borrower-home invalid"),
        ("2026-04-21", "collections.letter.sent", "reminder policy"),  # unreachable-skip-trace
        ("2026-04-21", "collections.contact.logged", "phone third_party family"),
        ("2026-04-21", "collections.contact_point.added", new_point),
        ("2026-04-21", "collections.contact.logged", "visit met_borrower borrower"),
        ("2026-04-21", "collections.contact_point.status_changed", f"{new_point} valid"),
        ("2026-04-21", "collections.letter.sent", f"demand_notice {collector}"),
        ("2026-04-23", "collections.letter.delivered", letter_id),
        ("2026-04-23", "collections.statute.restarted", "demand 2026-04-23"),
        ("2026-04-23", "collections.complaint.opened", "collector_conduct"),
        ("2026-04-23", "collections.contact.logged", "phone right_party_contact borrower"),
        ("2026-04-23", "collections.contact_point.status_changed", "borrower-phone valid"),
        ("2026-04-23", "collections.promise.made", ""),
        ("2026-04-23", "loan.payment.received", ""),
        ("2026-04-23", "collections.promise.kept", ""),
        ("2026-04-23", "collections.case.resolved", ""),
    ]
    by_type = {e["type"]: e for e in events}
    for caused in ("collections.promise.kept", "collections.case.resolved"):
        assert by_type[caused]["caused_by"]["type"] == "loan.payment.received"
    assert by_type["collections.case.opened"]["caused_by"]["type"] == "loan.payment.missed"
