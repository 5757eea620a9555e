"""The changes proposed for shared/ keep the contract of what they would replace."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

import asyncpg
import pytest

from bench.proposals.eventstore_one_trip import OneTripEventStore
from bench.proposals.relay_two_in_flight import TwoInFlightRelay
from bench.support import payment_event
from loanflow.testing import read_events
from shared.db import PLATFORM_DDL, connect, create_pool
from shared.errors import ConcurrencyConflict
from shared.eventstore import PostgresEventStore
from shared.kafka import ensure_topics, make_producer

pytestmark = pytest.mark.integration


@pytest.fixture
async def dsn(make_db):
    dsn = await make_db("proposal")
    conn = await connect(dsn)
    await conn.execute(PLATFORM_DDL)
    await conn.close()
    return dsn


@pytest.fixture
async def pool(dsn):
    p = await create_pool(dsn, max_size=8)
    yield p
    await p.close()


async def test_one_trip_store_writes_the_rows_the_current_store_writes(pool):
    current, proposed = PostgresEventStore("t.servicing"), OneTripEventStore("t.servicing")
    events = [payment_event("loan-a", n) for n in range(3)]
    async with pool.acquire() as conn, conn.transaction():
        await current.append(conn, "loan-a", events[:2], expected_version=0)
    async with pool.acquire() as conn, conn.transaction():
        await proposed.append(conn, "loan-a", events[2:], expected_version=2)
    async with pool.acquire() as conn:
        loaded = await proposed.load(conn, "loan-a")
        outbox = await conn.fetch("SELECT position, key, payload FROM outbox ORDER BY position")
        positions = [r["position"] for r in await conn.fetch("SELECT position FROM events ORDER BY position")]
    assert [e.id for e in loaded] == [e.id for e in events]
    assert [e.sequence for e in loaded] == [1, 2, 3]
    assert [r["position"] for r in outbox] == positions
    assert {r["key"] for r in outbox} == {"loan-a"}
    assert loaded[2].model_dump() == type(loaded[2]).from_json_bytes(bytes(outbox[2]["payload"])).model_dump()


async def test_one_trip_store_refuses_a_stale_version_and_a_reused_event_id(pool):
    store = OneTripEventStore("t.servicing")
    first = payment_event("loan-b", 1)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "loan-b", [first], expected_version=0)
    with pytest.raises(ConcurrencyConflict):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, "loan-b", [payment_event("loan-b", 2)], expected_version=0)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, "loan-c", [first], expected_version=0)
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1


async def test_two_in_flight_relay_delivers_every_event_once_in_stream_order(dsn, pool, kafka_bootstrap):
    topic = f"t{uuid.uuid4().hex[:10]}.servicing"
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    store = PostgresEventStore(topic)
    stop = asyncio.Event()
    relay = TwoInFlightRelay(dsn, lambda: make_producer(kafka_bootstrap), batch_size=50)
    task = asyncio.create_task(relay.run(stop))

    async def writer(w: int) -> None:
        for n in range(60):
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, f"loan-{w}", [payment_event(f"loan-{w}", n)], expected_version=n)

    await asyncio.gather(*(writer(w) for w in range(6)))
    events = await read_events(kafka_bootstrap, topic, until=lambda seen: len({e.id for e in seen}) >= 360)
    stop.set()
    await asyncio.wait_for(task, 30)
    by_stream: dict[str, list[int]] = defaultdict(list)
    for event in events:
        by_stream[event.subject].append(event.sequence)
    assert len(events) == 360  # once each
    assert all(seq == list(range(1, 61)) for seq in by_stream.values())
