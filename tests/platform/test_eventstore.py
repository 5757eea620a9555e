"""Event store contract: append-only streams, optimistic concurrency, global order, outbox rows."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, date, datetime

import asyncpg
import pytest

from shared.contracts import CloudEvent
from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL, PostgresEventStore, SetAppend


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


# ---- set-based append: the same envelopes, masking rule and conflicts as append ---------------

PLANNED = """(VALUES ('s-1', 1, 'loan.payment.due', 'L "1"', 'L "1"', $1::text),
                     ('s-1', 2, 'loan.payment.missed', 'L "1"', 'L "1"', $2::text),
                     ('s-2', 4, 'loan.payment.due', '王-2', '王-2', $1::text))
             AS v(stream_id, version, type, subject, key, data)"""


def set_append(store: PostgresEventStore) -> SetAppend:
    return SetAppend(store, ["loan.payment.due", "loan.payment.missed"], source="servicing",
                     time=datetime(2026, 4, 20, 16, 0, 1, 250000, tzinfo=UTC), businessdate=date(2026, 4, 21),
                     correlationid="c-9", first_param=3)


async def test_a_set_based_append_writes_what_append_writes_for_the_same_events(pool, topic):
    store = PostgresEventStore(topic)
    append = set_append(store)
    data = ['{"loan_id":"L \\"1\\"","note":"罚息 \\\\ ok"}', '{"days_past_due":3}']
    statement = f"WITH planned AS (SELECT * FROM {PLANNED}), {append.writes('planned', 'p.stream_id, p.version')} " \
                f"SELECT {append.COUNTS}"
    async with pool.acquire() as conn:
        await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        woken: list[str] = []

        def wake(_conn: object, _pid: int, channel: str, _payload: str) -> None:
            woken.append(channel)

        await conn.add_listener(NOTIFY_CHANNEL, wake)
        async with conn.transaction():
            row = await append.run(conn, statement, *data, *append.args())
        rows = await conn.fetch("SELECT e.position, e.stream_id, e.version, e.event_id, e.envelope, o.topic, o.key, "
                                "o.payload FROM events e JOIN outbox o USING (position) ORDER BY position")
        await asyncio.sleep(0.1)
        await conn.remove_listener(NOTIFY_CHANNEL, wake)
    assert (row["events"], row["published"]) == (3, 3) and woken == [NOTIFY_CHANNEL]
    assert [(r["stream_id"], r["version"], r["key"], r["topic"]) for r in rows] == [
        ("s-1", 1, 'L "1"', topic), ("s-1", 2, 'L "1"', topic), ("s-2", 4, "王-2", topic)]
    for r, (subject, type_, text) in zip(rows, [('L "1"', "loan.payment.due", data[0]),
                                               ('L "1"', "loan.payment.missed", data[1]),
                                               ("王-2", "loan.payment.due", data[0])], strict=True):
        same = CloudEvent(id=r["event_id"], source="servicing", type=type_, subject=subject,
                          time=datetime(2026, 4, 20, 16, 0, 1, 250000, tzinfo=UTC), data=json.loads(text),
                          sequence=r["version"], correlationid="c-9", businessdate=date(2026, 4, 21))
        assert bytes(r["payload"]) == same.to_json_bytes()  # byte for byte what append() publishes
        assert r["envelope"] == same.model_dump(mode="json", exclude_none=True)


async def test_a_set_based_append_refuses_types_masked_on_publish_and_loses_races_like_append(pool, topic):
    store = PostgresEventStore(topic)
    with pytest.raises(ValueError, match="mask fields on publish"):
        SetAppend(store, ["loan.application.submitted"], source="origination", time=datetime(2026, 4, 20, tzinfo=UTC),
                  businessdate=date(2026, 4, 20), correlationid="c")
    async with pool.acquire() as conn, conn.transaction():
        await store.append(conn, "s-2", [an_event("s-2", n) for n in range(1, 5)], expected_version=0)
    append = set_append(store)
    statement = f"WITH planned AS (SELECT * FROM {PLANNED}), {append.writes('planned', 'p.stream_id, p.version')} " \
                f"SELECT {append.COUNTS}"
    with pytest.raises(ConcurrencyConflict):
        async with pool.acquire() as conn, conn.transaction():
            await append.run(conn, statement, "{}", "{}", *append.args())
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM events") == 4  # s-2's own four, nothing of the set
