"""`loanflow up` keeps its own parts alive: the embedded PostgreSQL and broker SIGKILLed under load
are restarted, `/readyz` says 503 while they are down and 200 after, and nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from loanflow.client import LoanflowClient
from loanflow.testing import Up, wait_all_ready
from loanflow.world import World
from shared.config import SERVICES, with_database

pytestmark = pytest.mark.e2e
RECOVER_WITHIN_SECONDS = 90.0
ANALYST = ("analyst", "reporting")


@pytest.fixture(scope="module")
async def world(up: Up) -> AsyncIterator[World]:
    urls = wait_all_ready(up, 120)
    client = LoanflowClient(urls, (up.home / "jwt.key").read_text().strip(), timeout=60)
    world = World(client, await client.add_partner("recovery-pay"))
    try:
        for n in range(12):
            await world.originate(f"L{n}", amount="12000.00", n=n)
        await world.await_schedules()
        yield world
    finally:
        await client.close()


async def _events(up: Up, service: str, type_: str | None = None) -> list[dict[str, Any]]:
    """A service's event store, read in its database (what its relay publishes)."""
    conn = await _connect(up, service)
    try:
        rows = await conn.fetch("SELECT envelope::text AS e FROM events WHERE $1::text IS NULL OR type = $1 "
                                "ORDER BY position", type_)
    finally:
        await conn.close()
    import json

    return [json.loads(r["e"]) for r in rows]


async def _connect(up: Up, service: str) -> asyncpg.Connection:
    return await asyncpg.connect(with_database(up.runtime()["database_url"], f"loanflow_{service}"))


async def _watch_readiness(url: str, seen: set[int], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(timeout=3) as http:
        while not stop.is_set():
            try:
                seen.add((await http.get(url + "/readyz")).status_code)
            except httpx.HTTPError:
                seen.add(0)
            await asyncio.sleep(0.1)


async def _recovered(up: Up, part: str, before_pid: int, killed: float) -> float:
    """Seconds from the kill until the part runs again and every service's /readyz is 200."""
    deadline = time.monotonic() + RECOVER_WITHIN_SECONDS
    while time.monotonic() < deadline:
        embedded = up.runtime()["embedded"][part]
        if embedded["pid"] != before_pid and embedded["up"]:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"{part} was not restarted:\n" + up.log())
    await asyncio.to_thread(wait_all_ready, up, RECOVER_WITHIN_SECONDS)
    return time.monotonic() - killed


async def _pay_through(world: World, stop: asyncio.Event, done: dict[str, Decimal],
                       answers: Counter[int] | None = None) -> None:
    """Repayments keep arriving; each is retried with its own key until accepted (as a partner does)."""
    n = 0
    while not stop.is_set():
        loan = world.loans[f"L{n % 6}"]
        key, amount = f"pay-{uuid.uuid4().hex}", Decimal("1.00") + n % 7
        ref, paid_at = f"ref-{key}", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        while True:  # the same request each time: same key, same body
            try:
                answer = await world.client.repay(world.partner, loan.loan_id, f"{amount:.2f}", key=key,
                                                  external_ref=ref, paid_at=paid_at)
                if answers is not None:
                    answers[answer.status_code] += 1
                if answer.status_code in (200, 201):
                    done[ref] = amount
                    break
                assert answer.status_code in (503, 409, 429), answer.text  # the outage, a retry in flight, a limit
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
        n += 1
        await asyncio.sleep(0.05)


async def _advance_until(world: World, target: date) -> None:
    """Drive the business date to `target`, asking again whenever the advance was cut short."""
    deadline = time.monotonic() + 300
    while await world.today() < target:
        assert time.monotonic() < deadline, "the business date never reached the target"
        try:
            await world.client.advance(target.isoformat(), timeout=120)
        except Exception:  # failed with the outage, or another advance still running: look again
            await asyncio.sleep(0.5)


async def test_postgres_killed_in_a_day_close_with_payments_arriving_loses_and_doubles_nothing(
        up: Up, world: World):
    start = await world.today()
    target = start + timedelta(days=75)
    paid: dict[str, Decimal] = {}
    answers: Counter[int] = Counter()
    stop, seen = asyncio.Event(), set[int]()
    watcher = asyncio.create_task(_watch_readiness(world.client.urls["servicing"], seen, stop))
    payer = asyncio.create_task(_pay_through(world, stop, paid, answers))
    await asyncio.sleep(0.5)
    advance = asyncio.create_task(world.client.advance(target.isoformat(), timeout=300))
    await asyncio.sleep(0.3)  # day-close is running
    postmaster = up.runtime()["embedded"]["postgres"]["pid"]
    os.kill(postmaster, signal.SIGKILL)
    killed = time.monotonic()
    recovery = await _recovered(up, "postgres", postmaster, killed)
    await asyncio.gather(advance, return_exceptions=True)
    await _advance_until(world, target)
    await asyncio.sleep(1.0)  # payments after the recovery too
    stop.set()
    await asyncio.gather(payer, watcher)

    assert 503 in seen and 200 in seen, f"readiness during the outage: {seen}"
    assert set(answers) <= {201, 409, 429, 503}, f"repayments answered {answers} (never a 500)"
    printed = up.output.read_text()
    assert "embedded PostgreSQL died" in printed and "embedded PostgreSQL restarted" in printed
    closes = Counter(e["data"]["business_date"] for e in await _events(up, "servicing", "servicing.day.closed"))
    wanted = {(start + timedelta(days=d)).isoformat() for d in range(1, 76)}
    assert set(closes) >= wanted and all(closes[d] == 1 for d in wanted), "each day closed exactly once"
    received = [e["data"] for e in await _events(up, "servicing", "loan.payment.received")
                if e["data"]["external_ref"] in paid]
    assert sorted(r["external_ref"] for r in received) == sorted(paid), "each accepted payment recorded once"
    assert sum(Decimal(r["amount"]) for r in received) == sum(paid.values())
    missed = {e["data"]["loan_id"] for e in await _events(up, "servicing", "loan.payment.missed")}
    assert missed, "the advance made loans overdue"

    async def cases() -> list[Any]:
        conn = await _connect(up, "collections")
        try:
            return list(await conn.fetch("SELECT loan_id, episode FROM cases"))
        finally:
            await conn.close()

    rows = await _eventually(cases, lambda rows: {r["loan_id"] for r in rows} == missed, 60)
    assert {r["loan_id"] for r in rows} == missed, "a case for every loan that missed a payment"
    assert len({(r["loan_id"], r["episode"]) for r in rows}) == len(rows), "no case twice"
    await _nothing_dead_lettered(up)
    print(f"\nPostgreSQL SIGKILL: every service ready again after {recovery:.1f} s; "
          f"{len(paid)} payments, {len(wanted)} day-closes")


async def _eventually(read: Any, done: Any, timeout: float) -> Any:
    """`read()` again until `done(value)` or the timeout; the last value either way."""
    deadline = time.monotonic() + timeout
    value = await read()
    while not done(value) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        value = await read()
    return value


async def _nothing_dead_lettered(up: Up) -> None:
    for service in SERVICES:
        conn = await _connect(up, service)
        try:
            assert await conn.fetchval("SELECT count(*) FROM dead_letters") == 0, f"{service} dead-lettered"
        finally:
            await conn.close()


async def _reports(world: World) -> dict[str, Any]:
    out = {}
    for path in ("portfolio", "delinquency", "collections", "loan-book?limit=500"):
        out[path] = await world.client.get("reporting", f"/v1/reports/{path}", ANALYST)
    return out


async def test_broker_killed_with_events_in_flight_every_event_reaches_every_consumer_once(
        up: Up, world: World):
    stop, seen = asyncio.Event(), set[int]()
    watcher = asyncio.create_task(_watch_readiness(world.client.urls["collections"], seen, stop))
    paid: dict[str, Decimal] = {}
    payer = asyncio.create_task(_pay_through(world, stop, paid))
    burst = asyncio.gather(*(world.originate(f"B{n}", amount="8000.00", n=100 + n) for n in range(6)))
    await asyncio.sleep(0.5)  # disbursements, payments and their consequences in flight
    broker = up.runtime()["embedded"]["broker"]["pid"]
    os.kill(broker, signal.SIGKILL)
    killed = time.monotonic()
    recovery = await _recovered(up, "broker", broker, killed)
    await burst
    await asyncio.sleep(1.0)
    stop.set()
    await asyncio.gather(payer, watcher)
    await world.await_schedules(timeout=120)
    assert 503 in seen and 200 in seen, f"readiness during the outage: {seen}"
    assert "embedded broker restarted" in up.output.read_text()

    published = {s: {e["id"] for e in await _events(up, s)} for s in ("origination", "servicing", "collections")}
    topics = {f"loanflow.{s}": ids for s, ids in published.items()}

    async def lacking() -> dict[str, int]:
        missing = {}
        for service in SERVICES:
            conn = await _connect(up, service)
            try:
                rows = await conn.fetch("SELECT consumer, topic, array_agg(event_id) AS ids FROM inbox GROUP BY 1, 2")
            finally:
                await conn.close()
            for r in rows:
                missing[f"{service}/{r['consumer']}<-{r['topic']}"] = len(topics[r["topic"]] - set(r["ids"]))
        return missing

    missing = await _eventually(lacking, lambda missing: not any(missing.values()), 120)
    assert missing and not any(missing.values()), f"events a consumer never handled: {missing}"
    await _nothing_dead_lettered(up)
    live = await _reports(world)
    rebuilt = await asyncio.to_thread(up.cli, "reporting", "rebuild", "--source", "stores")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert await _reports(world) == live, "reports equal a replay of every event once, in order"
    print(f"\nbroker SIGKILL: every service ready again after {recovery:.1f} s; {len(paid)} payments in flight")


async def test_status_shows_the_embedded_parts_and_their_restarts(up: Up, world: World):
    import subprocess
    import sys

    from loanflow.testing import ROOT

    status = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "loanflow.cli", "status"],
                                     env={**up.env, "COLUMNS": "400"}, cwd=ROOT, capture_output=True, text=True,
                                     timeout=60)
    assert status.returncode == 0, status.stdout + status.stderr
    lines = {line.split("│")[1].strip(): line for line in status.stdout.splitlines() if line.count("│") > 2}
    for part in ("postgres", "broker"):
        detail = lines[f"{part} (embedded)"]
        assert "running" in detail and "│ yes" in detail
        assert int(detail.split("restarts: ")[1].split(",")[0]) >= 1, detail
