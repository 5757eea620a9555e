"""Event store contract: append-only streams, optimistic concurrency, global order, outbox rows."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg
import pytest

from shared.contracts import CloudEvent
from shared.errors import ConcurrencyConflict
from shared.eventstore import PostgresEventStore


def an_event(stream: str, n: int) -> CloudEvent:
    return CloudEvent(source="test", type="test.happened", subject=stream, data={"n": n},
                      correlationid="c-1", businessdate=date(2026, 4, 20))


async def test_append_then_load_returns_events_in_version_order(pool, topic):
    store = PostgresEventStore(topic)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "loan-1", [an_event("loan-1", 1), an_event("loan-1", 2)], expected_version=0)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "loan-1", [an_event("loan-1", 3)], expected_version=2)
    async with pool.acquire() as conn:
        loaded = await store.load(conn, "loan-1")
        outbox = await conn.fetchval("SELECT count(*) FROM outbox")
    assert [e.data["n"] for e in loaded] == [1, 2, 3]
    assert [e.sequence for e in loaded] == [1, 2, 3]
    assert outbox == 3


async def test_append_at_a_stale_version_is_a_conflict_and_writes_nothing(pool, topic):
    store = PostgresEventStore(topic)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "loan-2", [an_event("loan-2", 1)], expected_version=0)
    with pytest.raises(ConcurrencyConflict):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, "loan-2", [an_event("loan-2", 99)], expected_version=0)
    async with pool.acquire() as conn:
        assert len(await store.load(conn, "loan-2")) == 1
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1


async def test_concurrent_appends_at_the_same_version_one_wins(pool, topic):
    store = PostgresEventStore(topic)

    async def attempt(n: int) -> str:
        try:
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, "loan-3", [an_event("loan-3", n)], expected_version=0)
                await asyncio.sleep(0.05)  # hold the transaction open so the others collide
            return "won"
        except ConcurrencyConflict:
            return "lost"

    results = await asyncio.gather(*(attempt(n) for n in range(5)))
    assert sorted(results) == ["lost"] * 4 + ["won"]


async def test_positions_give_one_global_order(pool, topic):
    store = PostgresEventStore(topic)
    for stream in ("a", "b", "a", "c"):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, stream, [an_event(stream, 0)], expected_version=None)
    async with pool.acquire() as conn:
        stored = await store.read_all(conn, 0, 100)
    assert [s.event.subject for s in stored] == ["a", "b", "a", "c"]
    assert [s.position for s in stored] == sorted(s.position for s in stored)
    assert [s.event.sequence for s in stored] == [1, 1, 2, 1]


async def test_events_table_refuses_a_reused_event_id(pool, topic):
    store = PostgresEventStore(topic)
    event = an_event("d", 1)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "d", [event], expected_version=0)
    with pytest.raises(asyncpg.UniqueViolationError):
        async with pool.acquire() as conn, conn.transaction():
            await store.append(conn, "e", [event], expected_version=0)


async def test_append_many_writes_every_stream_in_order_with_its_outbox_rows(pool, topic):
    store = PostgresEventStore(topic)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "case-b", [an_event("loan-b", 0)], expected_version=0)
    batches = [("case-a", 0, [an_event("loan-a", 1), an_event("loan-a", 2)]),
               ("case-b", 1, [an_event("loan-b", 3)]),
               ("case-c", 0, [an_event("loan-c", 4)])]
    async with pool.acquire() as conn, conn.transaction():
        stamped = await store.append_many(conn, batches)
    assert {s: [e.sequence for e in events] for s, events in stamped.items()} == {
        "case-a": [1, 2], "case-b": [2], "case-c": [1]}
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT e.stream_id, e.version, e.envelope, o.key, o.payload FROM events e "
                                "JOIN outbox o USING (position) WHERE e.position > 1 ORDER BY e.position")
    assert [(r["stream_id"], r["version"], r["envelope"]["data"]["n"]) for r in rows] == [
        ("case-a", 1, 1), ("case-a", 2, 2), ("case-b", 2, 3), ("case-c", 1, 4)]
    assert [r["key"] for r in rows] == ["loan-a", "loan-a", "loan-b", "loan-c"]
    assert [CloudEvent.from_json_bytes(r["payload"]).sequence for r in rows] == [1, 2, 2, 1]


async def test_append_many_with_one_stale_stream_is_a_conflict_and_writes_nothing(pool, topic):
    store = PostgresEventStore(topic)
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "case-x", [an_event("loan-x", 1)], expected_version=0)
    with pytest.raises(ConcurrencyConflict):
        async with pool.acquire() as conn, conn.transaction():
            await store.append_many(conn, [("case-y", 0, [an_event("loan-y", 2)]),
                                           ("case-x", 0, [an_event("loan-x", 3)])])
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == 1
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 1
