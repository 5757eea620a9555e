"""Issue 16's erasure through four `loanflow serve` processes: a borrower pays a loan off, is erased (the
retention period set to 0 days here), and afterwards every service's event store is unchanged byte for byte
except for origination's one `loan.borrower.erased` event, while reporting's timeline and loan book show
"erased" — also after a rebuild from the topics. Collections and reporting fetch the key over HTTP."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from loanflow.client import LoanflowClient, wait_for
from loanflow.world import ANALYST, CLIENT_MANAGER, OPS, World
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.datakeys import ERASED


@pytest.fixture
def system_env(system_env: dict[str, str]) -> dict[str, str]:
    return {**system_env, "LOANFLOW_ORIGINATION_ERASURE_RETENTION_DAYS": "0"}


async def _store(system, service: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(system.platform.service_dsn(service))
    try:
        return [tuple(r) for r in await conn.fetch(
            "SELECT position, stream_id, version, event_id, type, envelope::text FROM events ORDER BY position")]
    finally:
        await conn.close()


async def _key_row(system, service: str, key_id: str) -> Any:
    conn = await asyncpg.connect(system.platform.service_dsn(service))
    try:
        return await conn.fetchrow("SELECT sealed, erased_at FROM data_keys WHERE key_id = $1", key_id)
    finally:
        await conn.close()


async def test_a_paid_off_borrower_is_erased_everywhere_without_rewriting_history(system):
    client = LoanflowClient(system.urls(), system.platform.signing_key())
    try:
        world = World(client, await client.add_partner("bank-erasure"))
        loan = await world.originate("erase", amount="6000.00", n=7)
        await world.await_schedules()
        application = await client.get("origination", f"/v1/applications/{loan.application_id}", CLIENT_MANAGER)
        borrower_id, name = application["borrower_id"], application["applicant"]["name"]
        erase = f"/v1/borrowers/{borrower_id}/erasure"
        refused = await client.post("origination", erase, OPS, expect=409)
        assert refused["error"]["code"] == "debt_open"

        owed = (await world.loan("erase"))["payoff_amount"]
        await world.pay("erase", owed)
        timeline_url = f"/v1/loans/{loan.loan_id}/timeline?limit=500"

        async def known_paid_off() -> Any:
            items = (await client.get("reporting", timeline_url, ANALYST))["items"]
            return items if "loan.paid_off" in {i["type"] for i in items} else None

        items = await wait_for(known_paid_off, "reporting's timeline up to loan.paid_off", 60)
        disbursed = next(i for i in items if i["type"] == "loan.disbursed")["data"]
        assert disbursed["borrower"]["name"] == name[0] + "*" * (len(name) - 1)  # opened with the fetched key
        assert (await _key_row(system, "reporting", borrower_id))["sealed"] is not None

        async def origination_knows_paid_off() -> Any:  # origination hears servicing's loan.paid_off
            response = await client.http.post(system.urls()["origination"] + erase, headers=client.headers(*OPS))
            return None if response.status_code == 409 else (response,)
        before = {s: await _store(system, s) for s in ("origination", "servicing", "collections")}
        (erased,) = await wait_for(origination_knows_paid_off, "origination to allow the erasure", 60)
        assert erased.status_code == 200, erased.text
        assert erased.json()["loan_ids"] == [loan.loan_id]

        async def reporting_shows_erased() -> Any:
            items = (await client.get("reporting", timeline_url, ANALYST))["items"]
            data = next(i for i in items if i["type"] == "loan.disbursed")["data"]
            return items if data["borrower"]["name"] == ERASED else None

        await wait_for(reporting_shows_erased, "reporting's timeline to show erased", 60)
        for service, rows in before.items():
            after = await _store(system, service)
            assert after[:len(rows)] == rows, f"{service}'s event store is unchanged byte for byte"
            new = [r[4] for r in after[len(rows):]]
            assert new == (["loan.borrower.erased"] if service == "origination" else []), (service, new)

        async def collections_destroyed_its_copy() -> Any:
            row = await _key_row(system, "collections", borrower_id)
            return row if row is not None and row["sealed"] is None else None
        await wait_for(collections_destroyed_its_copy, "collections' tombstone of the key", 60)
        assert (await _key_row(system, "reporting", borrower_id))["sealed"] is None

        async def nothing_left(label: str) -> None:
            texts = [await client.get("reporting", timeline_url + "&format=csv", ANALYST),
                     str(await client.get("reporting", timeline_url, ANALYST)),
                     str(await client.get("reporting", "/v1/reports/loan-book?limit=500", ANALYST)),
                     str(await client.get("origination", f"/v1/applications/{loan.application_id}",
                                          CLIENT_MANAGER))]
            for text in texts:
                assert name not in text and name[0] + "*" not in text, label

        await nothing_left("after the erasure")
        book = await client.get("reporting", "/v1/reports/loan-book?limit=500", ANALYST)
        assert next(r for r in book["items"] if r["loan_id"] == loan.loan_id)["borrower"] == ERASED

        urls = system.urls()
        settings = ReportingSettings(origination_url=urls["origination"], servicing_url=urls["servicing"],
                                     collections_url=urls["collections"])
        result = await rebuild(system.platform, settings, source="topics")
        assert result["events_applied"] > 0
        await wait_for(reporting_shows_erased, "the rebuilt timeline to show erased", 60)
        await nothing_left("after a rebuild from the topics")
    finally:
        await client.close()
