"""The blacklist holds no ID number (issue 16): a person rejected for false information is matched again by a
keyed hash of their ID number, shown by its masked form; entries listed in plain before are converted when
the service starts; an erasure keeps the entry (a fraud record) but not its masked form."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import asyncpg

from loanflow.testing import bearer, running
from services.origination.adapters.blacklist import blacklist_ref, key_check
from services.origination.bootstrap import MIGRATIONS, create_app
from services.origination.config import OriginationSettings
from shared.db import ensure_database
from shared.migrate import upgrade
from shared.pii import mask_id_number

from .conftest import START, make_platform
from .factory import application


async def _rows(dsn: str) -> list[dict]:
    conn = await asyncpg.connect(dsn)
    try:
        return [dict(r) for r in await conn.fetch("SELECT * FROM blacklist ORDER BY listed_at")]
    finally:
        await conn.close()


async def test_zhang_wei_rejected_for_a_forged_payslip_is_listed_by_keyed_hash_and_refused_again(desk, caplog):
    body = application()
    id_number = body["applicant"]["id_number"]
    first = await desk.filed(body)
    pending = await desk.filed({**body, "amount": "20000.00"})  # filed before the forgery came to light
    await desk.approve(pending, ("dan", "eve", "fay"))
    caplog.set_level(logging.DEBUG)
    r = await desk.review(first, "client_manager", "alice", "reject", note="payslip was forged",
                          false_information=True)
    assert r.status_code == 201 and r.json()["blacklisted"], r.text
    assert id_number not in caplog.text and id_number not in r.text

    (entry,) = [row for row in await _rows(desk.platform.service_dsn("origination")) if row["application_id"] == first]
    secret = desk.platform.secrets_key_material()
    assert entry["id_number"] is None and id_number not in repr(entry)
    assert entry["id_ref"] == blacklist_ref(secret, id_number) and len(entry["id_ref"]) == 64
    assert entry["id_number_masked"] == mask_id_number(id_number) and "*" in entry["id_number_masked"]
    assert entry["ref_key_check"] == key_check(secret)

    again = application()
    again["applicant"]["id_number"] = id_number
    r = await desk.file(again, who="frank")
    assert r.json()["status"] == "rejected" and "blacklist" in r.json()["reasons"][0], r.text
    refused = await desk.disburse(pending, "fay")  # the re-check before paying out matches the hash too
    assert refused.status_code == 409 and "blacklist" in str(refused.json()["error"]["details"]), refused.text


async def test_an_erasure_keeps_the_listing_but_not_its_masked_number(desk):
    body = application()
    app_id = await desk.filed(body)
    borrower_id = (await desk.get(app_id))["borrower_id"]
    r = await desk.review(app_id, "client_manager", "alice", "reject", note="forged ID card", false_information=True)
    assert r.status_code == 201, r.text
    await desk.erase_now(borrower_id)
    (entry,) = [row for row in await _rows(desk.platform.service_dsn("origination")) if row["application_id"] == app_id]
    assert entry["id_ref"] == blacklist_ref(desk.platform.secrets_key_material(), body["applicant"]["id_number"])
    assert entry["id_number_masked"] is None and entry["reason"] == "false information"
    r = await desk.file(body, who="frank")  # the same person, years later: still refused
    assert r.json()["status"] == "rejected" and "blacklist" in r.json()["reasons"][0], r.text


async def test_entries_listed_in_plain_before_are_hashed_when_the_service_starts(pg_url, kafka_bootstrap, tmp_path,
                                                                                _created_databases, caplog):
    platform = make_platform(pg_url, kafka_bootstrap, tmp_path, start_date=START)
    dsn = platform.service_dsn("origination")
    _created_databases.append(dsn)
    await ensure_database(dsn)
    await upgrade(MIGRATIONS, dsn, "0004")  # the table as it was: ID numbers in plain
    forger, other = application()["applicant"]["id_number"], application()["applicant"]["id_number"]
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "INSERT INTO blacklist (id_number, application_id, reason, listed_by, listed_at) "
            "VALUES ($1, $2, $3, $4, $5)",
            [(forger, "app-1", "false information", "alice", datetime(2026, 1, 5, tzinfo=UTC)),
             (f" {forger} ", "app-2", "false information", "bob", datetime(2026, 2, 1, tzinfo=UTC)),
             (other, "app-3", "false information (field investigation)", "carol",
              datetime(2026, 2, 2, tzinfo=UTC))])
    finally:
        await conn.close()

    caplog.set_level(logging.INFO)
    app = create_app(OriginationSettings(), platform)
    async with running(app) as client:
        rows = await _rows(dsn)
        assert [(r["application_id"], r["listed_by"]) for r in rows] == [("app-1", "alice"), ("app-3", "carol")]
        secret = platform.secrets_key_material()
        assert [r["id_ref"] for r in rows] == [blacklist_ref(secret, forger), blacklist_ref(secret, other)]
        assert [r["id_number_masked"] for r in rows] == [mask_id_number(forger), mask_id_number(other)]
        assert all(r["id_number"] is None for r in rows) and forger not in repr(rows) and other not in repr(rows)
        assert "3 entries listed by plain ID number" in caplog.text and forger not in caplog.text
        body = application()
        body["applicant"]["id_number"] = forger
        r = await client.post("/v1/applications", json=body, headers=bearer(app, "alice", "client_manager"))
        assert r.json()["status"] == "rejected" and "blacklist" in r.json()["reasons"][0], r.text

    conn = await asyncpg.connect(dsn)  # an entry hashed under another LOANFLOW_SECRETS_KEY matches nobody: said
    try:
        await conn.execute("UPDATE blacklist SET ref_key_check = 'another-key' WHERE application_id = 'app-3'")
    finally:
        await conn.close()
    caplog.clear()
    async with running(create_app(OriginationSettings(), platform)):  # a second start: nothing left to convert
        assert await _rows(dsn) == [rows[0], {**rows[1], "ref_key_check": "another-key"}]
        assert "entries listed by plain" not in caplog.text
        assert "1 entries were hashed under another LOANFLOW_SECRETS_KEY" in caplog.text
