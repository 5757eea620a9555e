"""Outbox relay contract: no gaps under out-of-order commits, per-stream order, crash safety."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

from loanflow.testing import eventually, read_events
from shared.contracts import CloudEvent
from shared.eventstore import PostgresEventStore
from shared.kafka import ensure_topics, make_producer
from shared.relay import OutboxRelay

ROOT = Path(__file__).resolve().parents[2]


def an_event(stream: str, n: int) -> CloudEvent:
    return CloudEvent(source="test", type="test.happened", subject=stream, data={"n": n},
                      correlationid=stream, businessdate=date(2026, 4, 20))


async def write_streams(pool, store, writers: int, per_writer: int, *, jitter: bool = True) -> None:
    """`writers` concurrent writers, each appending to its own streams one event per transaction,
    holding transactions open for random times so that commits land out of position order."""

    async def writer(w: int) -> None:
        versions: dict[str, int] = defaultdict(int)
        for i in range(per_writer):
            stream = f"w{w}-s{i % 5}"
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, stream, [an_event(stream, versions[stream] + 1)],
                                   expected_version=versions[stream])
                if jitter and random.random() < 0.1:
                    await asyncio.sleep(random.random() * 0.02)
            versions[stream] += 1

    await asyncio.gather(*(writer(w) for w in range(writers)))


def assert_complete_and_ordered(events: list[CloudEvent], writers: int, per_writer: int) -> None:
    """Every event arrived (duplicates allowed), and each stream's first sightings are in order."""
    first_seen: dict[str, list[int]] = defaultdict(list)
    seen_ids: set[str] = set()
    for e in events:
        if e.id in seen_ids:
            continue
        seen_ids.add(e.id)
        first_seen[e.subject].append(e.sequence)
    assert len(seen_ids) == writers * per_writer
    for stream, sequences in first_seen.items():
        assert sequences == list(range(1, len(sequences) + 1)), f"{stream} out of order or gapped"


async def test_eight_concurrent_writers_every_event_once_in_stream_order(pool, platform_db, topic,
                                                                         kafka_bootstrap):
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    store = PostgresEventStore(topic)
    relay = OutboxRelay(platform_db, lambda: make_producer(kafka_bootstrap), batch_size=200)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    try:
        await write_streams(pool, store, writers=8, per_writer=500)
        events = await read_events(kafka_bootstrap, topic, until=lambda ev: len(ev) >= 4000, timeout=60)
    finally:
        stop.set()
        await relay_task
    assert_complete_and_ordered(events, 8, 500)
    assert len(events) == 4000, "a single relay with no crash publishes each event exactly once"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0


async def test_two_relay_replicas_publish_everything_once_between_them(pool, platform_db, topic,
                                                                       kafka_bootstrap):
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    store = PostgresEventStore(topic)
    relays = [OutboxRelay(platform_db, lambda: make_producer(kafka_bootstrap), batch_size=100) for _ in range(2)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in relays]
    try:
        await write_streams(pool, store, writers=4, per_writer=200)
        events = await read_events(kafka_bootstrap, topic, until=lambda ev: len(ev) >= 800, timeout=60)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert_complete_and_ordered(events, 4, 200)
    assert sum(r.published for r in relays) == 800
    assert sum(1 for r in relays if r.published) == 1, "only the lock holder publishes"


async def test_relay_killed_mid_batch_loses_nothing_after_restart(pool, platform_db, topic, kafka_bootstrap):
    """SIGKILL the relay process while it publishes; a restarted relay finishes the job."""
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    store = PostgresEventStore(topic)
    await write_streams(pool, store, writers=4, per_writer=1000, jitter=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = str(Path(__file__).with_name("relay_process.py"))

    def start_relay() -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, script, platform_db, kafka_bootstrap, "50"], env=env)

    first = start_relay()
    try:
        async def some_published() -> bool:
            async with pool.acquire() as conn:
                left = await conn.fetchval("SELECT count(*) FROM outbox")
            return 0 < left < 4000

        await eventually(some_published, timeout=30, interval=0.02)
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    async with pool.acquire() as conn:
        left_after_kill = await conn.fetchval("SELECT count(*) FROM outbox")
    assert left_after_kill > 0, "the kill should land before the relay finished"
    second = start_relay()
    try:
        events = await read_events(kafka_bootstrap, topic,
                                   until=lambda ev: len({e.id for e in ev}) >= 4000, timeout=60)
    finally:
        second.terminate()
        second.wait(10)
    assert_complete_and_ordered(events, 4, 1000)


async def test_backlog_of_many_batches_with_late_commits_arrives_whole_and_in_stream_order(
        pool, platform_db, topic, kafka_bootstrap):
    """A month-end backlog (300 loans × 10 events in one transaction) lands while 4 writers commit
    out of order; with 50-row batches the relay keeps several batches in flight, reads the next
    while sending, and deletes behind the acks. Every event arrives, each loan's in order, and the
    outbox is empty once the relay stopped."""
    await ensure_topics(kafka_bootstrap, [topic], partitions=3)
    store = PostgresEventStore(topic)
    relay = OutboxRelay(platform_db, lambda: make_producer(kafka_bootstrap), batch_size=50, max_in_flight=4)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))

    async def month_end() -> None:
        async with pool.acquire() as conn, conn.transaction():
            for loan in range(300):
                stream = f"loan-{loan}"
                await store.append(conn, stream, [an_event(stream, n) for n in range(1, 11)], expected_version=0)

    try:
        await asyncio.gather(month_end(), write_streams(pool, store, writers=4, per_writer=250))
        events = await read_events(kafka_bootstrap, topic,
                                   until=lambda ev: len({e.id for e in ev}) >= 4000, timeout=60)
    finally:
        stop.set()
        await relay_task
    assert_complete_and_ordered(events, 1, 4000)
    assert relay.published == 4000
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
