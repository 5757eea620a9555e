"""The stories of DOMAIN.md, told through the public APIs only.

1. 王芳's loan (key "cured"): reviewed, disbursed, reminded, misses her first installment; a
   front-end case opens; the collector reaches her and she promises; she breaks the promise
   (failed-debit fee, escalation); she promises again and her bank partner's repayment (retried
   once with the same Idempotency-Key) keeps it and cures the case.
2. "legal": a large loan never paid goes 91+ days past due, is staged back-end and referred to
   legal by the policy, written off, and later partly recovered.
3. "fraud" and "deceased": special paths off the ordinary treatment.
Each step raises StepFailed when the system does not answer as it should.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from loanflow.client import StepFailed, wait_for
from loanflow.world import ANALYST, LEGAL, OPS, SUPERVISOR, World


async def case_of(world: World, key: str, *, status: str | None = "open") -> dict[str, Any] | None:
    params: dict[str, Any] = {"loan_id": world.loans[key].loan_id}
    if status:
        params["status"] = status
    page = await world.client.get("collections", "/v1/cases", SUPERVISOR, params=params)
    if not page["items"]:
        return None
    return await world.client.get("collections", f"/v1/cases/{page['items'][0]['case_id']}", SUPERVISOR)  # type: ignore[no-any-return]


async def wait_case(world: World, key: str, what: str, predicate: Any, status: str | None = "open") -> dict[str, Any]:
    async def check() -> Any:
        case = await case_of(world, key, status=status)
        return case if case is not None and predicate(case) else None

    return await wait_for(check, f"{key}: {what}", timeout=45)  # type: ignore[no-any-return]


def types_in(case: dict[str, Any]) -> list[str]:
    return [e["type"] for e in case.get("timeline", [])]


async def log_contact(world: World, case: dict[str, Any], outcome: str, note: str) -> str:
    """A phone call when the contact policy allows it now (08:00–21:00 borrower time), else an SMS."""
    collector = (case["assignee"] or "collector-f1", "collector")
    path = f"/v1/cases/{case['case_id']}/contacts"
    body = {"channel": "phone", "outcome": outcome, "note": note}
    answer = await world.client.call("POST", "collections", path, collector, json_body=body, expect=(201, 409))
    if isinstance(answer, dict) and "error" in answer:
        if "contact_hours" not in str(answer):
            raise StepFailed(f"contact refused: {answer}")
        world.say("contact policy", "phone refused outside 08:00–21:00 borrower time; SMS sent instead")
        await world.client.post("collections", path, collector, {**body, "channel": "sms"}, expect=201)
        return "sms"
    return "phone"


async def first_due(world: World) -> date:
    return min(date.fromisoformat(loan.schedule[0]["due_date"]) for loan in world.loans.values())


async def missed_and_opened(world: World, keys: list[str], d1: date) -> None:
    """Reminder before the first due date, then day-close the day after opens front-end cases."""
    await world.advance_to(d1 - timedelta(days=1))
    for key in keys:
        case = await case_of(world, key)
        if case is not None:
            raise StepFailed(f"{key}: a case opened before any payment was missed")
    await world.advance_to(d1 + timedelta(days=1))
    for key in keys:
        case = await wait_case(world, key, "case opened front-end", lambda c: c["stage"] == "front")
        world.say(f"{key}: case opened", f"{case['case_id']} stage front, DPD {case['days_past_due']}, "
                  f"assigned to {case['assignee']} in queue {case['queue']}")


async def promise_broken_then_kept(world: World, d1: date) -> dict[str, Any]:
    key = "cured"
    case = await case_of(world, key)
    assert case is not None
    channel = await log_contact(world, case, "right_party_contact", "借款人承认欠款，承诺三天内还款")
    world.say("cured: contact logged", channel)
    collector = (case["assignee"] or "collector-f1", "collector")
    owed = (await world.loan(key))["overdue"]["total"]
    await world.client.post("collections", f"/v1/cases/{case['case_id']}/promises", collector,
                            {"amount": owed, "promised_date": (d1 + timedelta(days=3)).isoformat()}, expect=201)
    world.say("cured: promise made", f"{owed} by {d1 + timedelta(days=3)}")
    await world.advance_to(d1 + timedelta(days=4))
    case = await wait_case(world, key, "promise broken", lambda c: c["broken_promises"] >= 1)
    fee = await wait_for(lambda: _fee(world, key), "failed-debit fee on the loan", 45)
    world.say("cured: promise broken", f"failed-debit fee {fee} charged by servicing; rules fired: "
              f"{', '.join(case.get('fired_rules', []))}")
    owed = (await world.loan(key))["overdue"]["total"]
    await world.client.post("collections", f"/v1/cases/{case['case_id']}/promises", collector,
                            {"amount": owed, "promised_date": (d1 + timedelta(days=6)).isoformat()}, expect=201)
    await world.advance_to(d1 + timedelta(days=5))
    owed = (await world.loan(key))["overdue"]["total"]
    idem = f"demo-{world.loans[key].loan_id}-1"
    # A partner's retry resends the same request: the same body (paid_at included), the same key.
    paid_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    first = await world.client.repay(world.partner, world.loans[key].loan_id, owed, key=idem,
                                     paid_at=paid_at, external_ref="bank-001")
    retry = await world.client.repay(world.partner, world.loans[key].loan_id, owed, key=idem,
                                     paid_at=paid_at, external_ref="bank-001")
    if first.status_code != 201 or retry.status_code != 201 or first.json() != retry.json():
        raise StepFailed(f"retried repayment not replayed: {first.status_code} {retry.status_code}")
    world.payments += 1
    world.say("cured: partner repayment", f"{owed} (retried once with the same Idempotency-Key: replayed, "
              f"payment {first.json()['payment_id']})")
    case = await wait_case(world, key, "case cured", lambda c: c["resolution"] == "cured", status=None)
    await world.advance_to(d1 + timedelta(days=7))
    case = await wait_case(world, key, "promise kept",
                           lambda c: any(p["status"] == "kept" for p in c["promises"]), status=None)
    world.say("cured: promise kept, case cured", f"resolved {case['resolved_on']}")
    world.loans[key].behaviour = "on_time"  # back on track: she pays the later installments on time
    return {"case": case, "payment": first.json(), "repaid": owed}


async def _fee(world: World, key: str) -> Any:
    loan = await world.loan(key)
    charges = Decimal(loan["overdue"].get("charges", "0"))
    return loan["overdue"]["charges"] if charges > 0 else None


async def legal_then_write_off(world: World, d1: date) -> dict[str, Any]:
    key = "legal"
    await world.advance_to(d1 + timedelta(days=31))
    await wait_case(world, key, "escalated to mid-end", lambda c: c["stage"] == "mid")
    world.say("legal: escalated", "mid-end at 31 DPD")
    await world.advance_to(d1 + timedelta(days=92))
    case = await wait_case(world, key, "back-end and referred to legal",
                           lambda c: c["stage"] == "back" and c["legal_referred"])
    world.say("legal: escalated", f"back-end at {case['days_past_due']} DPD; rules fired: "
              f"{', '.join(case['fired_rules'])}")
    await world.client.post("collections", f"/v1/cases/{case['case_id']}/write-off", LEGAL,
                            {"reason": "诉讼执行无可供执行财产，核销"})
    loan = await wait_for(lambda: _status(world, key, "written_off"), "loan written off", 45)
    world.say("legal: written off", f"principal {loan['principal_outstanding']} moved off book")
    recovery = await world.pay(key, "1500.00")
    world.say("legal: later partial recovery", f"1500.00 accepted after write-off ({recovery['payment_id']})")
    return {"case": case, "recovered_after_write_off": "1500.00"}


async def _status(world: World, key: str, status: str) -> Any:
    loan = await world.loan(key)
    return loan if loan["status"] == status else None


async def special_paths(world: World) -> dict[str, Any]:
    fraud = await case_of(world, "fraud")
    deceased = await case_of(world, "deceased")
    assert fraud is not None and deceased is not None
    await world.client.post("collections", f"/v1/cases/{fraud['case_id']}/fraud", SUPERVISOR,
                            {"reason": "身份证件系冒用，借款人否认申请"})
    fraud = await wait_case(world, "fraud", "moved to the fraud queue", lambda c: c["queue"] == "fraud")
    world.say("fraud: flagged", f"queue {fraud['queue']}, special status {fraud['special_status']}")
    await world.client.post("collections", f"/v1/cases/{deceased['case_id']}/deceased", SUPERVISOR,
                            {"reason": "家属来电告知借款人已去世"})
    await world.client.post("collections", f"/v1/cases/{deceased['case_id']}/deceased/verification", SUPERVISOR,
                            {"confirmed": True, "evidence": "死亡证明复印件、单位证明"})
    await world.client.post("collections", f"/v1/cases/{deceased['case_id']}/deceased/path", SUPERVISOR,
                            {"path": "estate_repayment", "note": "配偶同意代为偿还"})
    deceased = await wait_case(world, "deceased", "estate repayment path",
                               lambda c: c.get("special_path") == "estate_repayment")
    world.say("deceased: verified", f"path {deceased['special_path']}, queue {deceased['queue']}")
    return {"fraud": fraud, "deceased": deceased}


async def loan_timeline(world: World, key: str) -> list[dict[str, Any]]:
    """Every event reporting knows about a loan, all pages."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = await world.client.get("reporting", f"/v1/loans/{world.loans[key].loan_id}/timeline", ANALYST,
                                      params=params)
        items += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return items


async def reports(world: World) -> dict[str, Any]:
    c = world.client
    as_of = (await world.today()).isoformat()
    portfolio = await c.get("reporting", "/v1/reports/portfolio", ANALYST, params={"as_of": as_of})
    delinquency = await c.get("reporting", "/v1/reports/delinquency", ANALYST, params={"as_of": as_of})
    collections = await c.get("reporting", "/v1/reports/collections", ANALYST,
                              params={"from": "2000-01-01", "to": as_of})
    timeline = await loan_timeline(world, "cured")
    return {"as_of": as_of, "portfolio": portfolio, "delinquency": delinquency, "collections": collections,
            "timeline": timeline}


__all__ = [
    "OPS",
    "case_of",
    "first_due",
    "legal_then_write_off",
    "loan_timeline",
    "missed_and_opened",
    "promise_broken_then_kept",
    "reports",
    "special_paths",
    "types_in",
]
