"""Outbox -> Kafka relay: events/s and commit-to-broker latency beside a raw aiokafka producer.

Throughput: N events commit in one transaction while a warmed-up relay waits; the clock runs
from the commit until the relay has the broker's ack for all of them. Baseline: a warmed-up
raw producer (acks=all, the same settings) sends the same N payloads with the same keys,
clock from the first send to the last ack.
Latency: single-event commands commit at a fixed rate; each event's latency runs from its
commit returning to the broker's ack of its record as the relay sent it. Baseline: the raw
producer sending the same payloads at the same rate, from send to ack.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.support import Stopwatch, fresh_database, latency_ms, payment_event, pick, rate, ratio, unique
from shared.db import create_pool
from shared.eventstore import PostgresEventStore, _published_bytes
from shared.kafka import ensure_topics, make_producer
from shared.relay import OutboxRelay

TARGETS = {"relay_vs_raw_producer": 0.7}
PER_STREAM = 10  # throughput events per stream (loan)
WAIT_SECONDS = 120


class TimedProducer:
    """The relay's producer (shared.kafka settings), noting when each key's first record was acked."""

    def __init__(self, bootstrap: str, acked: dict[bytes, float]) -> None:
        self.producer = make_producer(bootstrap)
        self.acked = acked

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def send(self, topic: str, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        future = await self.producer.send(topic, value=value, key=key, **kwargs)
        future.add_done_callback(lambda _f, k=key: self.acked.setdefault(k, time.perf_counter()))
        return future


class RunningRelay:
    """An OutboxRelay started in the background and warmed up with one event."""

    def __init__(self, dsn: str, bootstrap: str, store: PostgresEventStore, acked: dict[bytes, float]) -> None:
        self.stop = asyncio.Event()
        self.relay = OutboxRelay(dsn, lambda: TimedProducer(bootstrap, acked))  # type: ignore[arg-type,return-value]
        self.store = store
        self.task: asyncio.Task[None] | None = None

    async def start(self, pool: Any) -> None:
        self.task = asyncio.create_task(self.relay.run(self.stop))
        async with pool.acquire() as conn, conn.transaction():
            await self.store.append(conn, unique("warmup"), [payment_event("warmup", 0)], expected_version=0)
        await self.published_at_least(1)

    async def published_at_least(self, count: int) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while self.relay.published < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay published {self.relay.published} of {count}")
            await asyncio.sleep(0.002)

    async def close(self) -> None:
        self.stop.set()
        if self.task:
            await asyncio.wait_for(self.task, 30)


async def _paced(count: int, per_second: float, command: Any) -> None:
    """Start `command(i)` at i / per_second seconds (open loop: a slow one delays no other)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(count):
        delay = start + i / per_second - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(command(i)))
    await asyncio.gather(*tasks)


async def measure_relay(dsn: str, bootstrap: str, topic: str, events: int, paced: int,
                        per_second: float) -> tuple[dict[str, Any], list[tuple[bytes, bytes]]]:
    """Our relay: throughput of a committed backlog, then latency at a fixed rate."""
    store = PostgresEventStore(topic)
    acked: dict[bytes, float] = {}
    pool = await create_pool(dsn, min_size=2, max_size=8)
    relay = RunningRelay(dsn, bootstrap, store, acked)
    try:
        await relay.start(pool)
        streams = [unique("loan") for _ in range(max(1, events // PER_STREAM))]
        sent: list[tuple[bytes, bytes]] = []
        async with pool.acquire() as conn, conn.transaction():
            for stream in streams:
                chunk = [payment_event(stream, n) for n in range(PER_STREAM)]
                stored = await store.append(conn, stream, chunk, expected_version=0)
                sent.extend((stream.encode(), _published_bytes(e)) for e in stored)
        with Stopwatch() as sw:
            await relay.published_at_least(1 + len(sent))
        committed: dict[bytes, float] = {}

        async def command(i: int) -> None:
            stream = f"lat-{i}-{streams[0]}"
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await store.append(conn, stream, [payment_event(stream, 0)], expected_version=0)
                committed[stream.encode()] = time.perf_counter()

        await _paced(paced, per_second, command)
        await relay.published_at_least(1 + len(sent) + paced)
        left = await pool.fetchval("SELECT count(*) FROM outbox")
    finally:
        await relay.close()
        await pool.close()
    if left:
        raise AssertionError(f"{left} outbox rows left unpublished")
    latencies = [acked[k] - t for k, t in committed.items()]
    return {"events_per_s": rate(len(sent), sw.seconds), "events": len(sent),
            "latency": {**latency_ms(latencies), "rate_per_s": per_second, "events": paced}}, sent


async def measure_raw(bootstrap: str, topic: str, sent: list[tuple[bytes, bytes]], paced: int,
                      per_second: float) -> dict[str, Any]:
    """Baseline: a raw aiokafka producer (acks=all) sending the same keyed payloads."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        await (await producer.send(topic, value=b"warmup", key=b"warmup"))
        with Stopwatch() as sw:
            futures = [await producer.send(topic, value=value, key=key) for key, value in sent]
            await asyncio.gather(*futures)
        latencies: list[float] = []

        async def command(i: int) -> None:
            key, value = sent[i % len(sent)]
            started = time.perf_counter()
            await (await producer.send(topic, value=value, key=key))
            latencies.append(time.perf_counter() - started)

        await _paced(paced, per_second, command)
    finally:
        await producer.stop()
    return {"events_per_s": rate(len(sent), sw.seconds), "events": len(sent),
            "latency": {**latency_ms(latencies), "rate_per_s": per_second, "events": paced}}


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Relay throughput and latency, each beside the raw producer in the same run."""
    events = pick(size, tiny=200, default=20_000, large=200_000)
    per_second = pick(size, tiny=100.0, default=500.0, large=1000.0)
    paced = pick(size, tiny=20, default=5_000, large=30_000)
    prefix = unique("relay").replace("_", "-")
    ours_topic, raw_topic = f"{prefix}.servicing", f"{prefix}.raw"
    await ensure_topics(kafka_bootstrap, [ours_topic, raw_topic], partitions=6)
    async with fresh_database(pg_url, "relay") as dsn:
        ours, sent = await measure_relay(dsn, kafka_bootstrap, ours_topic, events, paced, per_second)
    raw = await measure_raw(kafka_bootstrap, raw_topic, sent, paced, per_second)
    return {
        "scenario": "relay",
        "figures": {"relay_throughput": {"events_per_s": ours["events_per_s"], "events": ours["events"]},
                    "relay_commit_to_ack": ours["latency"]},
        "baseline": {"raw_producer_throughput": {"events_per_s": raw["events_per_s"], "events": raw["events"]},
                     "raw_producer_send_to_ack": raw["latency"]},
        "ratios": {"relay_vs_raw_producer": ratio(ours["events_per_s"], raw["events_per_s"]),
                   "relay_p99_vs_raw_p99": ratio(ours["latency"]["p99_ms"], raw["latency"]["p99_ms"])},
        "targets": TARGETS,
        "notes": f"backlog of {events} events committed at once; latency at {per_second:g} events/s, "
                 "6 partitions, producer acks=all linger 2 ms; one relay replica",
    }
