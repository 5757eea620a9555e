"""Issue 16's erasure through four `loanflow serve` processes: a borrower pays a loan off, is erased (the
retention period set to 0 days here), and afterwards every service's event store is unchanged byte for byte
except for origination's one `loan.borrower.erased` event, while reporting's timeline and loan book show
"erased" — also after a rebuild from the topics or the stores (which records the erasure in reporting's key
table again). Collections and reporting fetch the key over HTTP.

Before paying, the borrower falls behind: a collector traces a new phone and address and logs a call whose
note names his wife and where he lives now. Collections records them sealed with the borrower's key, so
after the erasure no store row, topic record, collections view or reporting timeline or report (JSON, CSV,
also rebuilt from the topics) holds them in plain."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from loanflow.client import LoanflowClient, wait_for
from loanflow.testing import read_events
from loanflow.world import ANALYST, CLIENT_MANAGER, OPS, SUPERVISOR, World
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.datakeys import ERASED


@pytest.fixture
def system_env(system_env: dict[str, str]) -> dict[str, str]:
    return {**system_env, "LOANFLOW_ORIGINATION_ERASURE_RETENTION_DAYS": "0",
            "LOANFLOW_COLLECTIONS_CALL_WINDOW_START": "00:00:00", "LOANFLOW_COLLECTIONS_CALL_WINDOW_END": "23:59:59"}


NEW_PHONE, NEW_HOME = "13655558888", "杭州市西湖区文三路518号"
NOTE = "妻子周晓梅说他已搬到杭州市西湖区文三路518号，新手机13655558888"
TRACED = (NEW_PHONE, "文三路518号", "周晓梅")  # what the collector recorded: nowhere in plain after the erasure


async def _every_row(system, service: str) -> str:
    """Every row of every table of a service's database, as text."""
    conn = await asyncpg.connect(system.platform.service_dsn(service))
    try:
        tables = await conn.fetch("SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        texts = [await conn.fetchval(f'SELECT coalesce(string_agg(t::text, chr(10)), \'\') FROM "{name}" t')
                 for name in sorted(t["table_name"] for t in tables)]
        return "\n".join(texts)
    finally:
        await conn.close()


async def _topic(system, service: str, last: str) -> str:
    """A service's topic from the first record until one of type `last`, as text."""
    events = await read_events(system.platform.kafka_bootstrap, system.platform.topic(service),
                               until=lambda es: any(e.type == last for e in es), timeout=60)
    return "".join(e.model_dump_json() for e in events)


async def _falls_behind_and_is_traced(client: LoanflowClient, loan_id: str) -> str:
    """The first installment goes unpaid; day-close opens a case; its collector traces a new phone and address
    and logs a call with a note. Returns the case id."""
    schedule = await client.get("servicing", f"/v1/loans/{loan_id}/schedule", OPS)
    await client.advance((date.fromisoformat(schedule["installments"][0]["due_date"]) + timedelta(days=1)).isoformat())

    async def opened() -> Any:
        page = await client.get("collections", "/v1/cases", SUPERVISOR, params={"loan_id": loan_id})
        return page["items"][0] if page["items"] else None
    case = await wait_for(opened, "the case opened by day-close", 60)
    cid, li = case["case_id"], (case["assignee"], "collector")
    phone = await client.post("collections", f"/v1/cases/{cid}/contact-points", li,
                              {"kind": "phone", "value": NEW_PHONE, "relation": "borrower", "source": "trace"},
                              expect=201)
    assert phone["value"] == "136****8888"
    await client.post("collections", f"/v1/cases/{cid}/contact-points", li,
                      {"kind": "address", "value": NEW_HOME, "relation": "borrower",
                       "source": "contact:contact-family"}, expect=201)
    await client.post("collections", f"/v1/cases/{cid}/contacts", li,
                      {"channel": "phone", "outcome": "third_party", "target": "family", "note": NOTE}, expect=201)
    shown = await client.get("collections", f"/v1/cases/{cid}", SUPERVISOR)
    assert [t["data"]["note"] for t in shown["timeline"] if t["type"] == "collections.contact.logged"] == [NOTE]
    assert {p["value"] for p in shown["contact_points"] if p["source"] != "origination"} == {
        "136****8888", "杭州市西湖区****"}
    return cid  # type: ignore[no-any-return]


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
        case_id = await _falls_behind_and_is_traced(client, loan.loan_id)

        owed = (await world.loan("erase"))["payoff_amount"]
        await world.pay("erase", owed)
        timeline_url = f"/v1/loans/{loan.loan_id}/timeline?limit=500"

        async def known_paid_off() -> Any:
            items = (await client.get("reporting", timeline_url, ANALYST))["items"]
            return items if "loan.paid_off" in {i["type"] for i in items} else None

        items = await wait_for(known_paid_off, "reporting's timeline up to loan.paid_off", 60)
        disbursed = next(i for i in items if i["type"] == "loan.disbursed")["data"]
        assert disbursed["borrower"]["name"] == name[0] + "*" * (len(name) - 1)  # opened with the fetched key
        [logged] = [i["data"] for i in items if i["type"] == "collections.contact.logged"]
        assert logged["note"] == NOTE.replace(NEW_PHONE, "136****8888")  # opened with reporting's copy, masked
        for text in [await _every_row(system, s) for s in ("collections", "reporting")] + [
                await _topic(system, "collections", "collections.contact.logged")]:
            for plain in TRACED:
                assert plain not in text, f"{plain} stored or published in plain"
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
            texts += [str(await client.get("collections", f"/v1/cases/{case_id}", SUPERVISOR)),
                      str(await client.get("collections", f"/v1/cases/{case_id}?reveal=true&reason=erasure%20check",
                                           SUPERVISOR))]
            for text in texts:
                assert name not in text and name[0] + "*" not in text, label
                for plain in TRACED:
                    assert plain not in text, (label, plain)
            assert ERASED in texts[-1], label  # the findings and the note: erased
            items = (await client.get("reporting", timeline_url, ANALYST))["items"]
            assert [i["data"]["note"] for i in items if i["type"] == "collections.contact.logged"] == [ERASED], label
            assert {i["data"]["value"] for i in items if i["type"] == "collections.contact_point.added"} == {
                ERASED}, label
            for service in ("origination", "servicing", "collections", "reporting"):
                rows = await _every_row(system, service)
                for plain in TRACED:
                    assert plain not in rows, (label, service, plain)

        await nothing_left("after the erasure")
        for service, last in (("origination", "loan.borrower.erased"), ("servicing", "loan.paid_off"),
                              ("collections", "collections.case.resolved")):
            published = await _topic(system, service, last)
            for plain in TRACED:
                assert plain not in published, (service, plain)
        revealed = await client.get("collections", f"/v1/cases/{case_id}?reveal=true&reason=after", SUPERVISOR)
        assert {p["value"] for p in revealed["contact_points"]} == {ERASED}
        assert [t["data"]["note"] for t in revealed["timeline"] if t["type"] == "collections.contact.logged"] == [
            ERASED]
        book = await client.get("reporting", "/v1/reports/loan-book?limit=500", ANALYST)
        assert next(r for r in book["items"] if r["loan_id"] == loan.loan_id)["borrower"] == ERASED

        urls = system.urls()
        settings = ReportingSettings(origination_url=urls["origination"], servicing_url=urls["servicing"],
                                     collections_url=urls["collections"])
        result = await rebuild(system.platform, settings, source="topics")
        assert result["events_applied"] > 0
        await wait_for(reporting_shows_erased, "the rebuilt timeline to show erased", 60)
        await nothing_left("after a rebuild from the topics")

        conn = await asyncpg.connect(system.platform.service_dsn("reporting"))
        try:  # a reporting database whose key table is new: the rebuild from the stores records the tombstone
            await conn.execute("DELETE FROM data_keys")
        finally:
            await conn.close()
        result = await rebuild(system.platform, settings, source="stores")
        assert result["events_applied"] > 0 and result["erasures_recorded"] == 1
        assert (await _key_row(system, "reporting", borrower_id))["sealed"] is None
        await wait_for(reporting_shows_erased, "the timeline rebuilt from the stores to show erased", 60)
        await nothing_left("after a rebuild from the stores")
    finally:
        await client.close()
