"""Propagation: `loan.payment.missed` committed in servicing -> `collections.case.opened` committed.

Servicing and collections run as `loanflow serve` runs them (each its own process, relay and
consumers). Missed-payment events are appended to servicing's event store with the store
servicing uses, at a fixed rate (open loop); servicing's relay publishes them, collections'
inbox consumer opens a case per loan. Latency runs from the append's commit returning to the
case-opened event being visible in collections' database (polled every 5 ms; the case event's
causationid names the missed event). Baseline: one raw hop of the same payloads through the
broker (aiokafka producer -> consumer, acks=all) at the same rate, send to receive.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from aiokafka import TopicPartition

from bench.scenarios._processes import Server, service_env
from bench.support import RssSampler, latency_ms, paced, pick, ratio, run_alone, unique
from shared.config import with_database
from shared.contracts.registry import make_event
from shared.contracts.servicing import PaymentMissed
from shared.db import connect, create_pool, drop_database
from shared.eventstore import PostgresEventStore
from shared.kafka import ensure_topics, make_consumer, make_producer

RATES = (200, 1000)
BUSINESS_DATE = date(2026, 4, 21)
POLL_SECONDS = 0.005
WAIT_SECONDS = 180
TARGETS = {"figures.propagation_200_per_s.p99_ms": {"max": 250}}


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def missed(loan_id: str) -> Any:
    data = PaymentMissed(loan_id=loan_id, installment_number=2, due_date=date(2026, 4, 20),
                         amount_overdue=Decimal("2836.49"), days_past_due=1, overdue_since=date(2026, 4, 20),
                         principal_outstanding=Decimal("27650.12"))
    return make_event("servicing", data, subject=loan_id, businessdate=BUSINESS_DATE)


async def watch_cases(conn: Any, opened: dict[str, float], expected: int, stop: asyncio.Event) -> None:
    """Note when each case-opened event (by its cause) becomes visible in collections' database."""
    last = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
    while not stop.is_set() and len(opened) < expected:
        rows = await conn.fetch(
            """SELECT position, envelope->>'causationid' AS cause FROM events
               WHERE position > $1 AND type = 'collections.case.opened' ORDER BY position""", last)
        now = time.perf_counter()
        for row in rows:
            opened.setdefault(row["cause"], now)
            last = row["position"]
        await asyncio.sleep(POLL_SECONDS)


async def watch_topic(bootstrap: str, topic: str, seen: dict[str, float], expected: int,
                      stop: asyncio.Event, ready: asyncio.Event, subjects: str) -> None:
    """Note when each missed event (by id) is readable on servicing's topic: the relay's part.

    Only events whose subject starts with `subjects` (this rate's loans) count: the relay may
    publish an earlier rate's event again (at-least-once), which must not end the watch early.
    """
    consumer = make_consumer(bootstrap, None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(6)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the end now: a lazy seek after the first commits would skip them
            await consumer.position(tp)
        ready.set()
        while not stop.is_set() and len(seen) < expected:
            batch = await consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    event = orjson.loads(record.value)
                    if event["subject"].startswith(subjects):
                        seen.setdefault(event["id"], now)
    finally:
        await consumer.stop()


async def propagate(servicing_dsn: str, collections_dsn: str, bootstrap: str, topic: str, per_second: int,
                    count: int) -> tuple[list[float], list[float]]:
    """Commit `count` misses at `per_second`: seconds from each commit to its case being committed,
    and from each commit to the event being readable on the broker (the relay's share)."""
    store = PostgresEventStore(topic)
    committed: dict[str, float] = {}
    on_broker: dict[str, float] = {}
    opened: dict[str, float] = {}
    stop = asyncio.Event()
    watch_conn = await connect(collections_dsn)
    watcher = asyncio.create_task(watch_cases(watch_conn, opened, count, stop))
    reader_ready = asyncio.Event()
    prefix = uuid.uuid4().hex[:8]
    reader = asyncio.create_task(watch_topic(bootstrap, topic, on_broker, count, stop, reader_ready,
                                             f"loan-{prefix}-"))
    await asyncio.sleep(0.5)  # the watchers have found where collections' events and the topic end
    await asyncio.wait_for(reader_ready.wait(), 30)
    pool = await create_pool(servicing_dsn, min_size=4, max_size=10)
    try:
        async def command(i: int) -> None:
            event = missed(f"loan-{prefix}-{i}")
            async with pool.acquire() as conn:
                async with conn.transaction():
                    await store.append(conn, f"loan-{event.subject}", [event], expected_version=None)
                committed[event.id] = time.perf_counter()

        await paced(count, per_second, command)
        await asyncio.wait_for(watcher, WAIT_SECONDS + count / 100)  # a slow consumer drains a backlog
        await asyncio.wait_for(reader, 10)
    finally:
        stop.set()
        await pool.close()
        for task in (watcher, reader):
            if not task.done():
                task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await watch_conn.close()
    return [opened[i] - t for i, t in committed.items()], [on_broker[i] - t for i, t in committed.items()]


async def raw_hop(bootstrap: str, topic: str, per_second: int, count: int) -> list[float]:
    """Baseline: the same payloads sent and received once through the broker, at the same rate."""
    payloads = [missed(f"loan-raw-{i}").to_json_bytes() for i in range(count)]
    consumer = make_consumer(bootstrap, None)
    producer = make_producer(bootstrap)
    await producer.start()
    await consumer.start()
    sent: dict[bytes, float] = {}
    received: dict[bytes, float] = {}
    try:
        partitions = [TopicPartition(topic, p) for p in range(6)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the end now: a lazy seek after the first commits would skip them
            await consumer.position(tp)

        async def command(i: int) -> None:
            key = str(i).encode()
            sent[key] = time.perf_counter()
            await (await producer.send(topic, value=payloads[i], key=key))

        async def receive() -> None:
            while len(received) < count:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        received.setdefault(record.key, now)

        reader = asyncio.create_task(receive())
        await paced(count, per_second, command)
        await asyncio.wait_for(reader, WAIT_SECONDS)
    finally:
        await producer.stop()
        await consumer.stop()
    return [received[k] - t for k, t in sent.items()]


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Both rates through the two services, each beside the raw broker hop at the same rate."""
    seconds = pick(size, tiny=0.1, default=10.0, large=60.0)
    prefix, secret = unique("pp").replace("_", ""), uuid.uuid4().hex
    home = tempfile.mkdtemp(prefix="bench-propagation-")
    dsns = {s: with_database(pg_url, f"{prefix}_{s}") for s in ("servicing", "collections")}
    raw_topic = f"{prefix}.raw"
    await ensure_topics(kafka_bootstrap, [f"{prefix}.servicing", f"{prefix}.collections", f"{prefix}.origination",
                                          raw_topic], partitions=6)
    env = service_env(pg_url, kafka_bootstrap, prefix, secret, home, BUSINESS_DATE.isoformat())
    servers = {s: Server(s, env, Path(home, f"{s}.log")) for s in dsns}
    figures: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    try:
        for server in servers.values():
            await server.start("/readyz")
        with RssSampler({s: servers[s].proc.pid for s in servers}) as rss:
            for per_second in RATES:
                count = max(20, int(per_second * seconds))
                cpu_before = {s: cpu_seconds(servers[s].proc.pid) for s in servers}
                ours, relayed = await propagate(dsns["servicing"], dsns["collections"], kafka_bootstrap,
                                                f"{prefix}.servicing", per_second, count)
                figures[f"process_cpu_{per_second}_per_s"] = {
                    f"{s}_ms_per_loan": round((cpu_seconds(servers[s].proc.pid) - cpu_before[s]) * 1000 / count, 3)
                    for s in servers}
                raw = await raw_hop(kafka_bootstrap, raw_topic, per_second, count)
                figures[f"propagation_{per_second}_per_s"] = {**latency_ms(ours), "loans": count,
                                                              "loans_per_s": per_second}
                figures[f"of_which_commit_to_broker_{per_second}_per_s"] = {**latency_ms(relayed), "loans": count}
                baseline[f"raw_hop_{per_second}_per_s"] = {**latency_ms(raw), "events": count,
                                                           "events_per_s": per_second}
    finally:
        for server in servers.values():
            server.stop()
        for dsn in dsns.values():
            await drop_database(dsn)
    return {
        "scenario": "propagation", "figures": figures, "baseline": baseline,
        "ratios": {f"propagation_p99_vs_raw_hop_p99_{r}_per_s": ratio(figures[f"propagation_{r}_per_s"]["p99_ms"],
                                                                     baseline[f"raw_hop_{r}_per_s"]["p99_ms"])
                   for r in RATES},
        "targets": TARGETS, "peak_rss_mb": {f"{k}_process": v for k, v in rss.peak_mb.items()},
        "notes": f"{seconds:g} s at each rate; latency = missed committed in servicing -> case opened committed in "
                 f"collections (polled every {POLL_SECONDS * 1000:g} ms); of_which_commit_to_broker = the same "
                 "commit -> the event readable on servicing's topic (the relay's share); process_cpu = CPU time each "
                 "service process used while the rate ran (its API, relay and consumers), per loan; the ratios are "
                 "multiples of the raw broker hop (lower is better)",
    }


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "propagation"))
