"""Inbox consumer contract: redelivery is a no-op, poison goes to the DLQ, the partition moves on."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from loanflow.testing import eventually
from shared.contracts import CloudEvent
from shared.inbox import InboxConsumer
from shared.kafka import ensure_topics, make_consumer, make_producer


def an_event(subject: str, n: int) -> CloudEvent:
    return CloudEvent(source="test", type="test.happened", subject=subject, data={"n": n},
                      correlationid=subject, businessdate=date(2026, 4, 20))


async def effects_table(pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS effects (event_id TEXT, n INT)")


async def record_effect(conn, event: CloudEvent) -> None:
    if event.data.get("explode"):
        raise RuntimeError("handler cannot handle this event")
    await conn.execute("INSERT INTO effects (event_id, n) VALUES ($1, $2)", event.id, event.data["n"])


batch_calls: list[int] = []


async def record_effects(conn, events: list[CloudEvent]) -> None:
    """A batch handler: the same effects, in one call per partition batch."""
    batch_calls.append(len(events))
    for event in events:
        await record_effect(conn, event)


@pytest.fixture(params=["one_by_one", "batch_handler"])
def mode(request):
    batch_calls.clear()
    return request.param


def consumer_for(pool, kafka_bootstrap, topic, mode: str) -> InboxConsumer:
    group = f"g-{uuid.uuid4().hex[:8]}"
    return InboxConsumer(
        name="test", pool=pool,
        consumer_factory=lambda: make_consumer(kafka_bootstrap, group, topic),
        producer_factory=lambda: make_producer(kafka_bootstrap),
        handler=record_effect, batch_handler=record_effects if mode == "batch_handler" else None,
        backoff_seconds=(0.01, 0.02, 0.05))


async def produce(kafka_bootstrap, topic, values: list[tuple[str, bytes]]) -> None:
    producer = make_producer(kafka_bootstrap)
    await producer.start()
    try:
        for key, value in values:
            await producer.send_and_wait(topic, value=value, key=key.encode())
    finally:
        await producer.stop()


async def count_effects(pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM effects"))


async def test_the_same_event_delivered_twice_is_handled_once(pool, topic, kafka_bootstrap, mode):
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=1)
    await effects_table(pool)
    once = an_event("loan-1", 1)
    await produce(kafka_bootstrap, topic, [("loan-1", once.to_json_bytes()), ("loan-1", once.to_json_bytes()),
                                           ("loan-1", an_event("loan-1", 2).to_json_bytes())])
    consumer = consumer_for(pool, kafka_bootstrap, topic, mode)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: consumer.stats.handled + consumer.stats.duplicates >= 3, timeout=30)
    finally:
        stop.set()
        await task
    assert await count_effects(pool) == 2
    assert consumer.stats.duplicates == 1
    if mode == "batch_handler":  # the copy was dropped before the handler saw the batch
        assert sum(batch_calls) == 2
    async with pool.acquire() as conn:
        position = await conn.fetchval("SELECT next_offset FROM consumer_positions WHERE topic = $1", topic)
    assert position == 3


async def test_a_restarted_consumer_redelivered_from_an_old_offset_changes_nothing(pool, topic, kafka_bootstrap, mode):
    """Offsets committed late or lost: the inbox row makes the second pass a no-op."""
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=1)
    await effects_table(pool)
    await produce(kafka_bootstrap, topic, [("k", an_event("k", n).to_json_bytes()) for n in range(10)])
    for _ in range(2):  # two different groups = a full redelivery of the topic
        consumer = consumer_for(pool, kafka_bootstrap, topic, mode)
        stop = asyncio.Event()
        task = asyncio.create_task(consumer.run(stop))
        try:
            await eventually(lambda c=consumer: c.stats.handled + c.stats.duplicates >= 10, timeout=30)
        finally:
            stop.set()
            await task
    assert await count_effects(pool) == 10
    if mode == "batch_handler":
        assert sum(batch_calls) == 10  # the second pass handed nothing to the handler


async def test_poison_messages_go_to_the_dlq_and_the_partition_moves_on(pool, topic, kafka_bootstrap, mode):
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=1)
    await effects_table(pool)
    failing = an_event("loan-9", 2).model_copy(update={"data": {"n": 2, "explode": True}})
    await produce(kafka_bootstrap, topic, [
        ("loan-9", an_event("loan-9", 1).to_json_bytes()),
        ("loan-9", b"{not json at all"),
        ("loan-9", failing.to_json_bytes()),
        ("loan-9", an_event("loan-9", 3).to_json_bytes()),
    ])
    consumer = consumer_for(pool, kafka_bootstrap, topic, mode)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: consumer.stats.handled >= 2 and consumer.stats.dead_lettered >= 2, timeout=30)
    finally:
        stop.set()
        await task
    async with pool.acquire() as conn:
        effects = [r["n"] for r in await conn.fetch("SELECT n FROM effects ORDER BY n")]
        dead = await conn.fetch('SELECT "offset", error, attempts FROM dead_letters ORDER BY "offset"')
    assert effects == [1, 3]
    assert [d["offset"] for d in dead] == [1, 2]
    assert "not a CloudEvent" in dead[0]["error"] and dead[0]["attempts"] == 1
    assert "handler cannot handle" in dead[1]["error"] and dead[1]["attempts"] == 4
    dlq = await read_events_raw(kafka_bootstrap, f"{topic}.dlq", 2)
    assert [dict(r.headers)["original-offset"] for r in dlq] == [b"1", b"2"]
    assert b"handler cannot handle" in dict(dlq[1].headers)["error"]


async def read_events_raw(bootstrap: str, topic: str, n: int):
    consumer = make_consumer(bootstrap, None, topic)
    await consumer.start()
    records = []
    try:
        for _ in range(100):
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records.extend(batch)
            if len(records) >= n:
                return records
        raise AssertionError(f"only {len(records)} records on {topic}")
    finally:
        await consumer.stop()




async def test_a_poll_across_partitions_is_handled_once_and_a_failure_falls_back_per_partition(
        pool, topic, kafka_bootstrap):
    """With a batch handler, all partitions polled go in one transaction; a failing record sends
    the poll back to one partition at a time, then one record at a time, and only it is dead-lettered."""
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=3)
    await effects_table(pool)
    batch_calls.clear()
    events = [an_event(f"loan-{n % 5}", n) for n in range(30)]
    events[17] = events[17].model_copy(update={"data": {"n": 17, "explode": True}})
    await produce(kafka_bootstrap, topic, [(e.subject, e.to_json_bytes()) for e in events])
    consumer = consumer_for(pool, kafka_bootstrap, topic, "batch_handler")
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await eventually(lambda: consumer.stats.handled >= 29 and consumer.stats.dead_lettered >= 1, timeout=30)
    finally:
        stop.set()
        await task
    async with pool.acquire() as conn:
        effects = sorted(r["n"] for r in await conn.fetch("SELECT n FROM effects"))
        positions = await conn.fetchval("SELECT sum(next_offset) FROM consumer_positions WHERE topic = $1", topic)
    assert effects == [n for n in range(30) if n != 17]
    assert positions == 30 and consumer.stats.dead_lettered == 1
