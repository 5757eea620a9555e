"""Intake over the REST API: 422 for every kind of bad input, credit rules that reject."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from .factory import application, id_number


def wrong_check_digit() -> str:
    valid = id_number()
    return valid[:17] + ("1" if valid[17] == "0" else "0")


def broken(change) -> dict[str, Any]:
    body = application()
    change(body)
    return body


def set_path(path: str, value: Any):
    def change(body: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = body
        for p in parents:
            target = target[int(p)] if p.isdigit() else target[p]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return change


def relation(i: int, rel: str):
    def change(body: dict[str, Any]) -> None:
        body["contacts"][i]["relation"] = rel
    return change


BAD_INPUT = {
    "ID check digit": (set_path("applicant.id_number", wrong_check_digit()), "applicant.id_number"),
    "ID too short": (set_path("applicant.id_number", "11010519491231"), "applicant.id_number"),
    "applicant phone": (set_path("applicant.phone", "02088881234"), "applicant.phone"),
    "contact phone": (set_path("contacts.1.phone", "1390000"), "contacts.1.phone"),
    "amount with three decimals": (set_path("amount", "50000.123"), "amount"),
    "amount as a float": (set_path("amount", 50000.5), "amount"),
    "negative amount": (set_path("amount", "-1.00"), "amount"),
    "amount too large to hold to the fen": (set_path("amount", "1e30"), "amount"),
    "amount of 29 digits": (set_path("amount", "9" * 29), "amount"),
    "income too large to hold to the fen": (set_path("applicant.monthly_income", "1E+40"), "applicant.monthly_income"),
    "amount above the product limit": (set_path("amount", "300000.01"), "amount"),
    "term too long": (set_path("term_months", 48), "term_months"),
    "rate too high": (set_path("annual_rate", "0.36"), "annual_rate"),
    "unknown product": (set_path("product", "payday"), "product"),
    "two family contacts": (relation(2, "family"), "contacts"),
    "contact is the applicant": (lambda b: b["contacts"][0].update(phone=b["applicant"]["phone"]), "contacts.0.phone"),
    "credit loan with a guarantor": (set_path("guarantor", {"name": "赵磊", "id_number": id_number(),
                                                           "phone": "13912345678"}), "guarantor"),
    "negative overdue": (set_path("credit_report.max_overdue_months", -1), "credit_report.max_overdue_months"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
async def test_bad_input_is_422_with_the_field_and_files_nothing(desk, case):
    change, field = BAD_INPUT[case]
    body = broken(change)
    before = await _count(desk)
    r = await desk.file(body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert field in [d["field"] for d in error["details"]], error
    assert await _count(desk) == before


async def test_a_mortgage_needs_collateral_and_its_lien_registration(desk):
    r = await desk.file(application("mortgage", amount="800000.00", collateral=None))
    assert r.status_code == 422 and [d["field"] for d in r.json()["error"]["details"]] == ["collateral"]
    body = application("mortgage", amount="800000.00")
    del body["collateral"]["lien_registration_number"]
    r = await desk.file(body)
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["collateral.lien_registration_number"]


async def test_a_guaranteed_loan_needs_a_guarantor(desk):
    r = await desk.file(application("guaranteed", guarantor=None))
    assert r.status_code == 422 and [d["field"] for d in r.json()["error"]["details"]] == ["guarantor"]
    assert (await desk.file(application("guaranteed"))).json()["status"] == "submitted"


async def test_an_overdue_of_three_months_is_rejected_with_the_reason(desk):
    body = application()
    body["credit_report"]["max_overdue_months"] = 3
    r = await desk.file(body)
    assert r.status_code == 201
    assert r.json()["status"] == "rejected"
    assert "overdue of 3 months" in r.json()["reasons"][0]
    state = await desk.get(r.json()["id"])
    assert state["status"] == "rejected" and state["next_step"] is None


async def test_an_applicant_rejected_for_false_information_is_blacklisted_for_good(desk):
    body = application()
    first = await desk.filed(body)
    r = await desk.review(first, "client_manager", "alice", "reject", note="payslip was forged",
                          false_information=True)
    assert r.status_code == 201 and r.json()["status"] == "rejected" and r.json()["blacklisted"]

    again = application()
    again["applicant"]["id_number"] = body["applicant"]["id_number"]
    r = await desk.file(again, who="frank")
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    assert "blacklist" in r.json()["reasons"][0]


async def test_false_information_is_only_a_reason_to_reject(desk):
    app_id = await desk.filed(application())
    r = await desk.review(app_id, "client_manager", "alice", "approve", false_information=True)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "false_information"


async def _count(desk) -> int:
    headers = desk.as_("erin", "admin")
    total, cursor = 0, ""
    while True:
        page = (await desk.client.get(f"/v1/applications?limit=500&cursor={cursor}", headers=headers)).json()
        total += len(page["items"])
        if not page["next_cursor"]:
            return total
        cursor = page["next_cursor"]


async def test_a_retried_filing_with_the_same_idempotency_key_files_once(desk):
    body = application()
    headers = {**desk.as_("alice", "client_manager"), "Idempotency-Key": "zhang-wei-2026-03-01"}
    before = await _count(desk)
    first, second = await asyncio.gather(desk.client.post("/v1/applications", json=body, headers=headers),
                                         desk.client.post("/v1/applications", json=body, headers=headers))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json() == second.json()
    assert sorted(r.headers.get("idempotent-replayed", "no") for r in (first, second)) == ["no", "true"]
    assert await _count(desk) == before + 1
    replay = await desk.client.post("/v1/applications", json=body, headers=headers)
    assert replay.status_code == 201 and replay.json() == first.json()
    assert replay.headers["idempotent-replayed"] == "true"  # the one replay rule: status, body and this header
    other = await desk.client.post("/v1/applications", json=application(), headers=headers)
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


async def test_a_nul_character_in_any_text_is_422_and_files_nothing(desk):
    body = application()
    body["applicant"]["name"] = "张\u0000伟"
    before = await _count(desk)
    r = await desk.file(body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_text", r.text
    assert await _count(desk) == before

    app_id = await desk.filed(application())
    version = (await desk.get(app_id))["version"]
    r = await desk.review(app_id, "client_manager", "alice", note="called the family contact\u0000")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_text", r.text
    assert (await desk.get(app_id))["version"] == version
    r = await desk.client.get("/v1/applications/abc%00def", headers=desk.as_("erin", "credit_manager"))
    assert r.status_code == 422, r.text
