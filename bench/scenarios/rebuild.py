"""Reporting rebuild: events/s replaying a synthetic loan book from the topics into the read models,
beside the raw aiokafka consumer read rate of the same topics in the same run.

The book (applications, reviews, disbursements, schedules, payments, misses, collections cases,
contacts, promises, recoveries) is produced to `<prefix>.origination|servicing|collections`
first. Baseline: a plain aiokafka consumer (no group, partitions assigned, the same fetch
settings) reading every record of the three topics to the end, once before and once after the
rebuild; the faster read counts. Ours: `services.reporting.rebuild.rebuild(source="topics")`,
its own clock (truncate, consume, parse, upcast, mask, project, batched inserts, positions).
A second baseline reads and parses (CloudEvent + contract model) without writing anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.scenarios._loanbook import loan_book
from bench.support import pick, rate, ratio, run_alone, unique
from services.reporting.adapters.queries import latest_business_date
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from services.reporting.service_layer import reports
from shared.config import PlatformSettings, with_database
from shared.contracts import CloudEvent, UnknownEventType, parse_data
from shared.db import connect, drop_database
from shared.kafka import EndOffsets, ensure_topics, make_consumer, make_producer

# Issue 8's bound is half the raw read (which does no parsing); see bench/README.md for why it is missed.
TARGETS = {"rebuild_vs_raw_consumer": 0.5, "rebuild_vs_read_and_parse": 0.25}
SOURCES = ("origination", "servicing", "collections")
FETCH = {"fetch_max_bytes": 32 * 1024 * 1024, "max_partition_fetch_bytes": 8 * 1024 * 1024}


async def produce(platform: PlatformSettings, events: int) -> dict[str, Any]:
    """Produce the synthetic book; returns how many events and bytes."""
    assert platform.kafka_bootstrap
    producer = make_producer(platform.kafka_bootstrap, linger_ms=20)
    await producer.start()
    count = size = 0
    started = time.perf_counter()
    try:
        for service, key, value in loan_book(events):
            await producer.send(platform.topic(service), value, key=key.encode())
            count += 1
            size += len(value)
        await producer.flush()
    finally:
        await producer.stop()
    return {"events": count, "mb": round(size / 1e6, 1), "events_per_s": rate(count, time.perf_counter() - started)}


async def raw_read(platform: PlatformSettings, batch: int, *, parse: bool = False) -> dict[str, Any]:
    """A plain aiokafka consumer reading the three topics from the beginning to their ends.

    With `parse`, each record is also validated as a CloudEvent and its data as the current
    contract model (what any consumer of these events must do at least).
    """
    assert platform.kafka_bootstrap
    consumer = make_consumer(platform.kafka_bootstrap, None, max_poll_records=batch, **FETCH)
    await consumer.start()
    count = 0
    try:
        cluster = await consumer._client.fetch_all_metadata()
        partitions = [TopicPartition(t, p) for t in (platform.topic(s) for s in SOURCES)
                      for p in sorted(cluster.partitions_for_topic(t) or ())]
        started, cpu = time.perf_counter(), time.process_time()
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = EndOffsets(await consumer.end_offsets(partitions))
        while ends.remaining:
            fetched = await consumer.getmany(timeout_ms=500, max_records=batch)
            ends.observe(consumer)
            for tp, records in fetched.items():
                mine = [r for r in records if ends.within(tp, r.offset)]
                count += len(mine)
                if parse:
                    for record in mine:
                        _parse_event(record.value)
                if records:
                    ends.consumed(tp, records[-1].offset)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await consumer.stop()
    return {"events": count, "seconds": round(seconds, 3), "events_per_s": rate(count, seconds),
            "python_cpu_us_per_event": round(cpu / count * 1e6, 1) if count else None}


def _parse_event(raw: bytes) -> None:
    event = CloudEvent.from_json_bytes(raw)
    try:
        parse_data(event)
    except UnknownEventType:
        pass


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Rebuild throughput beside the raw consumer read rate of the same topics."""
    events = pick(size, tiny=2_000, default=100_000, large=1_000_000)
    prefix = unique("rebuild")
    home = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    platform = PlatformSettings(env="test", home=home, database_url=pg_url, kafka_bootstrap=kafka_bootstrap,
                                topic_prefix=prefix, jwt_secret="bench-" + prefix, topic_partitions=6)
    settings = ReportingSettings()
    topics = [platform.topic(s) for s in SOURCES]
    dsn = platform.service_dsn("reporting")
    await ensure_topics(kafka_bootstrap, topics, platform.topic_partitions)
    try:
        produced = await produce(platform, events)
        raw_before = await raw_read(platform, settings.rebuild_batch_size)
        cpu = ServerCpu(dsn)
        python_cpu = time.process_time()
        async with cpu:
            ours = await rebuild(platform, settings, source="topics",
                                 progress=lambda read: cpu.mark() if read >= produced["events"] else None)
        python_cpu = time.process_time() - python_cpu
        raw_after = await raw_read(platform, settings.rebuild_batch_size)
        parsed = await raw_read(platform, settings.rebuild_batch_size, parse=True)
        conn = await connect(dsn)
        try:
            loans = await conn.fetchval("SELECT count(*) FROM rpt_loans")
            projected = await conn.fetchval("SELECT count(*) FROM rpt_events")
            report_ms = await time_reports(conn, settings)
        finally:
            await conn.close()
    finally:
        await drop_database(dsn)
        await _delete_topics(kafka_bootstrap, topics)
    if projected != produced["events"] or ours["events_read"] != produced["events"]:
        raise AssertionError(f"rebuild projected {projected} of {produced['events']} events")
    raw = max((raw_before, raw_after), key=lambda r: r["events_per_s"])
    return {
        "scenario": "rebuild",
        "figures": {"rebuild": {"events_per_s": ours["events_per_second"], "events": ours["events_read"],
                                "seconds": ours["seconds"], "loans": loans,
                                "write_seconds": ours["write_seconds"], "index_seconds": ours["index_seconds"],
                                "python_cpu_us_per_event": round(python_cpu / ours["events_read"] * 1e6, 1),
                                "postgres_cpu_us_per_event": _per_event(cpu.seconds, ours["events_read"]),
                                "postgres_cpu_us_per_event_until_last_batch": _per_event(cpu.marked,
                                                                                         ours["events_read"])},
                    "reports_after_rebuild": report_ms,
                    "produce": {"events_per_s": produced["events_per_s"], "events": produced["events"],
                                "mb": produced["mb"]}},
        "baseline": {"raw_consumer_read": {"events_per_s": raw["events_per_s"], "events": raw["events"],
                                           "seconds": raw["seconds"],
                                           "python_cpu_us_per_event": raw["python_cpu_us_per_event"]},
                     "raw_consumer_read_and_parse": {"events_per_s": parsed["events_per_s"],
                                                     "events": parsed["events"], "seconds": parsed["seconds"]}},
        "ratios": {"rebuild_vs_raw_consumer": ratio(ours["events_per_second"], raw["events_per_s"]),
                   "rebuild_vs_read_and_parse": ratio(ours["events_per_second"], parsed["events_per_s"])},
        "targets": TARGETS,
        "notes": f"{produced['events']} events ({produced['mb']} MB JSON) of {loans} loans on 3 topics × 6 partitions; "
                 f"raw read before/after the rebuild: {raw_before['events_per_s']}/{raw_after['events_per_s']} "
                 f"events/s; rebuild batch {settings.rebuild_batch_size} events per transaction",
    }


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving one database while the block runs.

    Sampled every 50 ms from /proc (so only when the server runs on this machine; `seconds` is
    None otherwise); a backend's last 50 ms before it exits can be missed.
    """

    def __init__(self, dsn: str) -> None:
        self.database = dsn.rsplit("/", 1)[1].split("?")[0]
        self.admin_dsn = with_database(dsn, "postgres")
        self.latest: dict[int, float] = {}
        self.seconds: float | None = None
        self.marked: float | None = None
        self._task: asyncio.Task[None] | None = None
        self._local = False

    async def __aenter__(self) -> ServerCpu:
        self._conn = await connect(self.admin_dsn)
        self._local = _proc_cpu(await self._conn.fetchval("SELECT pg_backend_pid()")) is not None
        self._task = asyncio.create_task(self._poll())
        return self

    def mark(self) -> None:
        """Note the backends' CPU so far (e.g. when the last batch is handed to the writers)."""
        for pid in self.latest:
            used = _proc_cpu(pid)
            if used is not None:
                self.latest[pid] = used
        self.marked = round(sum(self.latest.values()), 3) if self._local else None

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        await asyncio.sleep(0)
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self._conn.close()
        self.seconds = round(sum(self.latest.values()), 3) if self._local and self.latest else None

    async def _poll(self) -> None:
        while True:
            pids = await self._conn.fetch("SELECT pid FROM pg_stat_activity WHERE datname = $1", self.database)
            for row in pids:
                used = _proc_cpu(row["pid"])
                if used is not None:
                    self.latest[row["pid"]] = used
            await asyncio.sleep(0.05)


def _per_event(seconds: float | None, events: int) -> float | None:
    return round(seconds / events * 1e6, 1) if seconds is not None and events else None


def _proc_cpu(pid: int) -> float | None:
    """user + system CPU seconds of a local PostgreSQL process, None when it is not visible here."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            head, _, tail = f.read().rpartition(")")
    except OSError:
        return None
    if "postgres" not in head:
        return None
    fields = tail.split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def time_reports(conn: Any, settings: ReportingSettings) -> dict[str, float]:
    """Milliseconds to compute each report over the rebuilt read models (latest business date)."""
    day = await latest_business_date(conn)
    assert day is not None
    timings: dict[str, float] = {}
    for name, make in (("portfolio_ms", lambda: reports.portfolio_report(conn, day)),
                       ("delinquency_ms", lambda: reports.delinquency_report(conn, day, settings.npl_dpd_threshold)),
                       ("collections_month_ms", lambda: reports.collections_figures(conn, day.replace(day=1), day,
                                                                                     "region"))):
        started = time.perf_counter()
        await make()
        timings[name] = round((time.perf_counter() - started) * 1000, 1)
    return timings


async def _delete_topics(bootstrap: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        await admin.start()
        await admin.delete_topics(topics)
    except Exception:
        pass  # the broker keeps them until it stops; nothing depends on their removal
    finally:
        await admin.close()


if __name__ == "__main__":
    sys.exit(run_alone(run, __doc__ or "rebuild"))
