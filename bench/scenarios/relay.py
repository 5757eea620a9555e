"""Outbox -> Kafka relay: events/s and commit-to-broker latency beside a raw aiokafka producer.

Throughput: N events commit in one transaction while a warmed-up relay waits; the clock runs
from sending the COMMIT until the relay has the broker's ack for all of them. Baseline: a warmed-up
raw producer (acks=all, the same settings) sends the same N payloads with the same keys,
clock from the first send to the last ack. The machine is shared and its load moves, so this
runs in rounds alternating which side goes first; each rate is the median of its rounds. Each
side starts its timed part after a full garbage collection: a gen-2 collection of the harness's
heap (40-250 ms on this machine) used to land inside the 150 ms windows, mostly in whichever side
came second.
Latency: single-event commands commit at a fixed rate; each event's latency runs from its
commit returning to the broker's ack of its record as the relay sent it. Baseline: the raw
producer sending the same payloads at the same rate, from send to ack.
"""

from __future__ import annotations

import asyncio
import gc
import statistics
import sys
import time
from typing import Any

from bench.support import (
    Stopwatch,
    fresh_database,
    latency_ms,
    paced,
    payment_event,
    pick,
    rate,
    ratio,
    run_alone,
    unique,
)
from shared.contracts import CloudEvent
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
        self.timing = False  # off while throughput is measured: the relay pays for no callbacks

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def send(self, topic: str, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        future = await self.producer.send(topic, value=value, key=key, **kwargs)
        if self.timing:
            future.add_done_callback(lambda _f, k=key: self.acked.setdefault(k, time.perf_counter()))
        return future


class RelaySide:
    """Our side: events appended through the store, published by an OutboxRelay in the background."""

    def __init__(self, dsn: str, bootstrap: str, topic: str, batch_size: int = 1000,
                 relay_class: type[OutboxRelay] = OutboxRelay) -> None:
        self.dsn, self.bootstrap = dsn, bootstrap
        self.store = PostgresEventStore(topic)
        self.acked: dict[bytes, float] = {}
        self.producers: list[TimedProducer] = []
        self.stop = asyncio.Event()
        self.relay = relay_class(dsn, self._producer, batch_size=batch_size)
        self.expected = 0

    def _producer(self) -> Any:
        self.producers.append(TimedProducer(self.bootstrap, self.acked))
        return self.producers[-1]

    async def start(self) -> None:
        self.pool = await create_pool(self.dsn, min_size=2, max_size=8)
        self.task = asyncio.create_task(self.relay.run(self.stop))
        await self.append_all([[payment_event(unique("warmup"), 0)]])
        await self.published_all()

    async def append_all(self, streams: list[list[CloudEvent]]) -> Stopwatch:
        """Every stream's events in one transaction; the stopwatch starts as COMMIT is sent."""
        sw = Stopwatch()
        async with self.pool.acquire() as conn:
            tx = conn.transaction()
            await tx.start()
            try:
                for events in streams:
                    await self.store.append(conn, events[0].subject, events, expected_version=0)
            except BaseException:
                await tx.rollback()
                raise
            sw.__enter__()
            await tx.commit()
        self.expected += sum(len(events) for events in streams)
        return sw

    async def published_all(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while self.relay.published < self.expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay published {self.relay.published} of {self.expected}")
            await asyncio.sleep(0.002)

    async def backlog(self, streams: list[list[CloudEvent]]) -> float:
        """Seconds from sending the backlog's COMMIT to the last broker ack."""
        sw = await self.append_all(streams)
        await self.published_all()
        sw.__exit__()
        return sw.seconds

    async def latencies(self, count: int, per_second: float) -> list[float]:
        """Commit-to-ack seconds of single-event commands committed at a fixed rate."""
        for producer in self.producers:
            producer.timing = True
        committed: dict[bytes, float] = {}
        prefix = unique("lat")

        async def command(i: int) -> None:
            stream = f"{prefix}-{i}"
            async with self.pool.acquire() as conn:
                async with conn.transaction():
                    await self.store.append(conn, stream, [payment_event(stream, 0)], expected_version=0)
                committed[stream.encode()] = time.perf_counter()

        await paced(count, per_second, command)
        self.expected += count
        await self.published_all()
        return [self.acked[k] - t for k, t in committed.items()]

    async def close(self) -> int:
        """Stop the relay; returns how many outbox rows were left unpublished."""
        left = int(await self.pool.fetchval("SELECT count(*) FROM outbox"))
        self.stop.set()
        await asyncio.wait_for(self.task, 30)
        await self.pool.close()
        return left


class RawSide:
    """Baseline: a raw aiokafka producer (acks=all, the relay's settings) sending the same payloads."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.producer = make_producer(bootstrap)
        self.topic = topic

    async def start(self) -> None:
        await self.producer.start()
        await (await self.producer.send(self.topic, value=b"warmup", key=b"warmup"))

    async def backlog(self, records: list[tuple[bytes, bytes]]) -> float:
        """Seconds from the first send to the last ack."""
        with Stopwatch() as sw:
            futures = [await self.producer.send(self.topic, value=value, key=key) for key, value in records]
            await asyncio.gather(*futures)
        return sw.seconds

    async def latencies(self, records: list[tuple[bytes, bytes]], count: int, per_second: float) -> list[float]:
        """Send-to-ack seconds at a fixed rate."""
        latencies: list[float] = []

        async def command(i: int) -> None:
            key, value = records[i % len(records)]
            started = time.perf_counter()
            await (await self.producer.send(self.topic, value=value, key=key))
            latencies.append(time.perf_counter() - started)

        await paced(count, per_second, command)
        return latencies

    async def close(self) -> None:
        await self.producer.stop()


def backlog(events: int) -> tuple[list[list[CloudEvent]], list[tuple[bytes, bytes]]]:
    """New streams of PER_STREAM events, and the exact keyed records the relay will publish for them."""
    streams = [[payment_event(name, n) for n in range(PER_STREAM)]
               for name in (unique("loan") for _ in range(max(1, events // PER_STREAM)))]
    records = [(e.subject.encode(), _published_bytes(e.model_copy(update={"sequence": n + 1})))
               for stream in streams for n, e in enumerate(stream)]
    return streams, records


async def measure(dsn: str, bootstrap: str, topics: tuple[str, str], events: int, rounds: int, count: int,
                  per_second: float, batch_size: int = 1000, relay_class: type[OutboxRelay] = OutboxRelay,
                  ) -> dict[str, Any]:
    """Both sides, throughput in alternating rounds, then latency at a fixed rate."""
    ours = RelaySide(dsn, bootstrap, topics[0], batch_size, relay_class)
    raw = RawSide(bootstrap, topics[1])
    await ours.start()
    await raw.start()
    rates: dict[str, list[float]] = {"ours": [], "raw": []}
    try:
        for r in range(rounds):
            streams, records = backlog(events)
            for side in ("ours", "raw") if r % 2 == 0 else ("raw", "ours"):
                gc.collect()  # the other side's garbage is not this side's cost
                seconds = await (ours.backlog(streams) if side == "ours" else raw.backlog(records))
                rates[side].append(rate(len(records), seconds))
        gc.collect()
        ours_latency = await ours.latencies(count, per_second)
        gc.collect()
        raw_latency = await raw.latencies(records, count, per_second)
    finally:
        left = await ours.close()
        await raw.close()
    if left:
        raise AssertionError(f"{left} outbox rows left unpublished")
    return {side: {"events_per_s": round(statistics.median(values), 1), "events_per_s_rounds": values,
                   "events": len(records) * rounds} for side, values in rates.items()} | {
        "ours_latency": {**latency_ms(ours_latency), "rate_per_s": per_second, "events": count},
        "raw_latency": {**latency_ms(raw_latency), "rate_per_s": per_second, "events": count}}


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Relay throughput and latency, each beside the raw producer in the same run."""
    events = pick(size, tiny=200, default=10_000, large=100_000)
    rounds = pick(size, tiny=2, default=5, large=3)
    per_second = pick(size, tiny=100.0, default=500.0, large=1000.0)
    count = pick(size, tiny=20, default=5_000, large=30_000)
    prefix = unique("relay").replace("_", "-")
    topics = (f"{prefix}.servicing", f"{prefix}.raw")
    await ensure_topics(kafka_bootstrap, list(topics), partitions=6)
    async with fresh_database(pg_url, "relay") as dsn:
        m = await measure(dsn, kafka_bootstrap, topics, events, rounds, count, per_second)
    return {
        "scenario": "relay",
        "figures": {"relay_throughput": m["ours"], "relay_commit_to_ack": m["ours_latency"]},
        "baseline": {"raw_producer_throughput": m["raw"], "raw_producer_send_to_ack": m["raw_latency"]},
        "ratios": {"relay_vs_raw_producer": ratio(m["ours"]["events_per_s"], m["raw"]["events_per_s"]),
                   "relay_p99_vs_raw_p99": ratio(m["ours_latency"]["p99_ms"], m["raw_latency"]["p99_ms"])},
        "targets": TARGETS,
        "notes": f"backlogs of {events} events committed at once, median of {rounds} alternating rounds; "
                 f"latency at {per_second:g} events/s; 6 partitions, acks=all, linger 2 ms; one relay replica",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "relay"))
