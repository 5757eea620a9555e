"""An ephemeral broker SIGKILLed while events flow: relay and consumer fence their clients, the
restart requeues the event log, and every event reaches the consumer once, each stream in order."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from datetime import date
from pathlib import Path

import asyncpg

from loanflow.embedded import free_port, start_broker, stop_process
from loanflow.testing import eventually
from shared.contracts import CloudEvent
from shared.db import PLATFORM_DDL, connect, create_pool
from shared.eventstore import PostgresEventStore
from shared.fence import FENCE_KEY, BrokerFence, broker_answers, fenced_restart
from shared.inbox import InboxConsumer
from shared.kafka import ensure_topics, make_consumer, make_producer
from shared.relay import OutboxRelay

STREAMS = 12


async def _platform_db(make_db, label: str) -> str:
    dsn = await make_db(label)
    conn = await connect(dsn)
    try:
        await conn.execute(PLATFORM_DDL)
        await conn.execute("CREATE TABLE IF NOT EXISTS handled (serial BIGSERIAL, event_id TEXT, stream TEXT, "
                           "version INT)")
    finally:
        await conn.close()
    return dsn


async def record(conn: asyncpg.Connection, event: CloudEvent) -> None:
    await conn.execute("INSERT INTO handled (event_id, stream, version) VALUES ($1, $2, $3)",
                       event.id, event.subject, event.sequence)


async def test_a_killed_ephemeral_broker_loses_nothing_and_keeps_each_stream_in_order(make_db, tmp_path: Path):
    producer_dsn = await _platform_db(make_db, "fence_p")
    consumer_dsn = await _platform_db(make_db, "fence_c")
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    topic = f"t{uuid.uuid4().hex[:8]}.fence"
    broker = start_broker(port, tmp_path / "broker.log")
    store = PostgresEventStore(topic)
    writer_pool = await create_pool(producer_dsn, max_size=4)
    reader_pool = await create_pool(consumer_dsn, max_size=4)
    stop = asyncio.Event()
    try:
        await ensure_topics(bootstrap, [topic, topic + ".dlq"], partitions=3)
        relay = OutboxRelay(producer_dsn, lambda: make_producer(bootstrap), idle_poll_seconds=0.2,
                            fence=BrokerFence(producer_dsn, bootstrap, watch_seconds=0.1))
        group = f"g{uuid.uuid4().hex[:6]}"
        consumer = InboxConsumer(name="c", pool=reader_pool, handler=record,
                                 consumer_factory=lambda: make_consumer(bootstrap, group, topic),
                                 producer_factory=lambda: make_producer(bootstrap),
                                 fence=BrokerFence(consumer_dsn, bootstrap, watch_seconds=0.1))
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
        written = 0

        async def write(count: int) -> None:
            nonlocal written
            for _ in range(count):
                stream = f"s{written % STREAMS}"
                async with writer_pool.acquire() as conn, conn.transaction():
                    await store.append(conn, stream, [CloudEvent(
                        source="test", type="test.happened", subject=stream, data={"n": written},
                        correlationid="c", businessdate=date(2026, 4, 20))], expected_version=None)
                written += 1
                await asyncio.sleep(0.002)

        async def handled() -> int:
            async with reader_pool.acquire() as conn:
                return int(await conn.fetchval("SELECT count(*) FROM handled"))

        await write(150)
        await eventually(lambda: _at_least(handled, 50), timeout=30)
        writing = asyncio.create_task(write(150))  # events in flight while the broker dies
        await asyncio.sleep(0.05)
        os.kill(broker.pid, signal.SIGKILL)
        broker.wait(5)
        killed = time.monotonic()

        async def restart() -> None:
            nonlocal broker
            broker = start_broker(port, tmp_path / "broker.log")
            await ensure_topics(bootstrap, [topic, topic + ".dlq"], partitions=3)

        logs = [("producer", producer_dsn, topic), ("consumer", consumer_dsn, topic + ".unused")]
        requeued = await asyncio.wait_for(fenced_restart(logs, restart), 60)
        assert requeued >= 150
        await writing
        await write(50)
        await eventually(lambda: _at_least(handled, written), timeout=60)
        recovered = time.monotonic() - killed
        await asyncio.sleep(1.0)  # nothing more arrives
        async with reader_pool.acquire() as conn:
            rows = await conn.fetch("SELECT event_id, stream, version FROM handled ORDER BY serial")
        ids = [r["event_id"] for r in rows]
        assert len(ids) == len(set(ids)) == written, "every event handled exactly once"
        for stream in {r["stream"] for r in rows}:
            versions = [r["version"] for r in rows if r["stream"] == stream]
            assert versions == list(range(1, len(versions) + 1)), f"{stream} handled out of order: {versions}"
        assert consumer.stats.duplicates > 0, "the requeued log was delivered again and skipped by the inbox"
        assert recovered < 30, f"took {recovered:.1f} s"
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await writer_pool.close()
        await reader_pool.close()
        stop_process(broker)


async def _at_least(count, n: int) -> bool:
    return await count() >= n


async def test_up_waits_for_every_client_of_the_dead_broker_before_starting_another(make_db, tmp_path: Path):
    """While a client still holds its share of the fence, the restart cannot take the lock."""
    dsn = await _platform_db(make_db, "fence_w")
    port = free_port()
    broker = start_broker(port, tmp_path / "broker.log")
    bootstrap = f"127.0.0.1:{port}"
    holder = await asyncpg.connect(dsn)
    started = asyncio.Event()
    try:
        assert await holder.fetchval("SELECT pg_try_advisory_lock_shared($1)", FENCE_KEY)
        stuck: list[str] = []

        async def restart() -> None:
            started.set()

        restarting = asyncio.create_task(fenced_restart([("svc", dsn, "t")], restart, patience=0.3,
                                                        on_stuck=stuck.append))
        await asyncio.sleep(0.6)
        assert not started.is_set() and stuck == ["svc"]
        await holder.close()  # the client dropped its Kafka client and let go
        assert await asyncio.wait_for(restarting, 10) == 0
        assert started.is_set()
        assert await broker_answers(bootstrap)
    finally:
        if not holder.is_closed():
            await holder.close()
        stop_process(broker)


async def test_readyz_names_the_broker_while_it_is_down_and_metrics_say_the_same(platform, _drop_platform_dbs,
                                                                                 tmp_path: Path):
    from loanflow.testing import running
    from services.origination.bootstrap import create_app
    from services.origination.config import OriginationSettings

    port = free_port()
    broker = start_broker(port, tmp_path / "broker.log")
    app = create_app(OriginationSettings(), platform.model_copy(update={"kafka_bootstrap": f"127.0.0.1:{port}"}))
    try:
        async with running(app) as client:
            async def status() -> int:
                return (await client.get("/readyz")).status_code

            await eventually(lambda: _equals(status, 200), timeout=30)
            assert 'readiness_check{check="broker"} 1.0' in (await client.get("/metrics")).text
            os.kill(broker.pid, signal.SIGKILL)
            broker.wait(5)
            down = await client.get("/readyz")
            assert down.status_code == 503
            checks = down.json()["checks"]
            assert checks["broker"].startswith("error") and checks["database"] == "ok"
            metrics = (await client.get("/metrics")).text
            assert "broker_up 0.0" in metrics and 'readiness_check{check="broker"} 0.0' in metrics
            assert "relay_last_poll_age_seconds" in metrics and "consumer_last_poll_age_seconds" in metrics
            broker = start_broker(port, tmp_path / "broker.log")
            await eventually(lambda: _equals(status, 200), timeout=30)
    finally:
        stop_process(broker)


async def _equals(value, expected) -> bool:
    return await value() == expected


async def test_a_consumer_stuck_in_its_handler_makes_readyz_stale(platform, _drop_platform_dbs):
    """Readiness is not only 'the task is alive': a consumer that stopped polling is named."""
    from services.origination.bootstrap import MIGRATIONS
    from shared.service import ConsumerSpec, ServiceKernel

    release = asyncio.Event()

    async def stuck(conn: asyncpg.Connection, event: CloudEvent) -> None:
        await release.wait()

    kernel = ServiceKernel("origination", platform.model_copy(update={"ready_stale_seconds": 1.0}),
                           platform.service_dsn("origination"), MIGRATIONS,
                           consumers=[ConsumerSpec("slow", ["servicing"], stuck)])
    await kernel.start()
    try:
        await eventually(lambda: _all_ok(kernel), timeout=30)
        producer = make_producer(platform.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(platform.topic("servicing"), key=b"s1", value=CloudEvent(
                source="servicing", type="test.happened", subject="s1", data={}, correlationid="c",
                businessdate=date(2026, 4, 20)).to_json_bytes())
        finally:
            await producer.stop()
        checks = await eventually(lambda: _stale(kernel), timeout=30)
        assert checks["consumers"].startswith("stale: slow last polled")
        assert checks["database"] == checks["broker"] == checks["relay"] == "ok"
        release.set()
        await eventually(lambda: _all_ok(kernel), timeout=30)
    finally:
        release.set()
        await kernel.stop()


async def _all_ok(kernel) -> bool:
    return all(v == "ok" for v in (await kernel.ready()).values())


async def _stale(kernel) -> dict[str, str] | None:
    checks = await kernel.ready()
    return checks if checks.get("consumers", "").startswith("stale") else None
