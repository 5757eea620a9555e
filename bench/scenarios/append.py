"""Event-store append: events/s and latency of our store beside raw INSERTs and the `eventsourcing` peer.

Single-event commands on 1, 8 and 64 concurrent streams (one transaction per command, as a
service handles a request), then 100-event batches. Every implementation writes the same
events into a fresh database of its own, through a pool of min(streams, 16) connections:
- ours: `PostgresEventStore.append` inside a transaction (events + outbox rows + NOTIFY,
  expected-version check, envelope serialisation);
- baseline: raw asyncpg INSERTs of the identical rows (the same events and outbox rows,
  serialised before the clock starts), same transactions, same concurrency;
- peer: `eventsourcing`'s PostgresApplicationRecorder (events only, no outbox).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bench.scenarios import _peer_eventsourcing as peer
from bench.support import drive, fresh_database, latency_ms, payment_event, pick, rate, ratio, unique
from shared.contracts import CloudEvent
from shared.db import create_pool
from shared.eventstore import PostgresEventStore, _published_bytes

SINGLE_LEVELS = (1, 8, 64)
BATCH_LEVELS = (1, 8)
BATCH = 100
MAX_CONNECTIONS = 16
TARGETS = {"append_vs_raw_insert": 0.5, "append_vs_eventsourcing": 2.0}

INSERT_EVENTS = """INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[]) AS u(v, id, t, env)
    RETURNING position"""
INSERT_OUTBOX = """INSERT INTO outbox (position, topic, key, payload)
    SELECT u.p, $1, $2, u.b FROM unnest($3::bigint[], $4::bytea[]) AS u(p, b)"""

Command = Callable[[int, int], Awaitable[None]]


class Workload:
    """The events of one measurement: `streams` streams of `per_stream` commands of `batch` events."""

    def __init__(self, streams: int, per_stream: int, batch: int) -> None:
        self.streams, self.per_stream, self.batch = streams, per_stream, batch
        prefix = unique("s")
        self.names = [f"{prefix}-{s}" for s in range(streams)]
        self.events = [[payment_event(name, n) for n in range(per_stream * batch)] for name in self.names]
        self.topic = f"{prefix}.servicing"

    @property
    def total(self) -> int:
        return self.streams * self.per_stream * self.batch

    @property
    def connections(self) -> int:
        return min(self.streams, MAX_CONNECTIONS)

    def chunk(self, s: int, n: int) -> list[CloudEvent]:
        return self.events[s][n * self.batch:(n + 1) * self.batch]

    def rows(self, s: int, n: int) -> tuple[list[int], list[str], list[str], list[dict[str, Any]], list[bytes]]:
        """The identical rows the store writes for command n of stream s, serialised up front."""
        stamped = [e.model_copy(update={"sequence": n * self.batch + i + 1}) for i, e in enumerate(self.chunk(s, n))]
        return ([e.sequence for e in stamped], [e.id for e in stamped], [e.type for e in stamped],
                [e.model_dump(mode="json", exclude_none=True) for e in stamped],
                [_published_bytes(e) for e in stamped])


async def _measure_asyncpg(pg_url: str, label: str, work: Workload,
                           make_command: Callable[[Any], Command]) -> dict[str, float]:
    async with fresh_database(pg_url, label) as dsn:
        pool = await create_pool(dsn, min_size=work.connections, max_size=work.connections)
        try:
            seconds, latencies = await drive(work.streams, work.per_stream, make_command(pool))
            stored = await pool.fetchval("SELECT count(*) FROM events")
        finally:
            await pool.close()
    return _figure(work, seconds, latencies, stored)


def _figure(work: Workload, seconds: float, latencies: list[float], stored: int) -> dict[str, float]:
    if stored != work.total:
        raise AssertionError(f"expected {work.total} events stored, found {stored}")
    return {"events_per_s": rate(work.total, seconds), "commands_per_s": rate(len(latencies), seconds),
            **latency_ms(latencies), "events": work.total, "streams": work.streams,
            "connections": work.connections}


async def ours(pg_url: str, work: Workload) -> dict[str, float]:
    """Our event store, as a service calls it: one transaction per command."""
    store = PostgresEventStore(work.topic)

    def make(pool: Any) -> Command:
        async def command(s: int, n: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                await store.append(conn, work.names[s], work.chunk(s, n), expected_version=n * work.batch)
        return command

    return await _measure_asyncpg(pg_url, "append_ours", work, make)


async def raw_insert(pg_url: str, work: Workload) -> dict[str, float]:
    """Baseline: the same rows by plain INSERTs, serialised before the clock starts."""
    rows = [[work.rows(s, n) for n in range(work.per_stream)] for s in range(work.streams)]

    def make(pool: Any) -> Command:
        async def command(s: int, n: int) -> None:
            versions, ids, types, envelopes, payloads = rows[s][n]
            async with pool.acquire() as conn, conn.transaction():
                positions = await conn.fetch(INSERT_EVENTS, work.names[s], versions, ids, types, envelopes)
                await conn.execute(INSERT_OUTBOX, work.topic, work.names[s], [r[0] for r in positions], payloads)
        return command

    return await _measure_asyncpg(pg_url, "append_raw", work, make)


async def eventsourcing_peer(pg_url: str, work: Workload) -> dict[str, float]:
    """Peer: eventsourcing's recorder storing the same published bytes as event state."""
    payloads = [[_published_bytes(e) for e in events] for events in work.events]
    async with fresh_database(pg_url, "append_peer", platform_tables=False) as dsn:
        recorder = peer.PeerRecorder(dsn, work.connections)
        try:
            def command(s: int, n: int) -> None:
                chunk = payloads[s][n * work.batch:(n + 1) * work.batch]
                recorder.insert(work.names[s], n * work.batch + 1, "loan.payment.received", chunk)

            seconds, latencies = await peer.drive_threads(work.streams, work.per_stream, command)
            with recorder.datastore.transaction() as cursor:
                cursor.execute("SELECT count(*) AS n FROM stored_events")
                stored = cursor.fetchone()["n"]  # type: ignore[index]
        finally:
            recorder.close()
    return _figure(work, seconds, latencies, stored)


async def run(pg_url: str, kafka_bootstrap: str, size: str) -> dict[str, Any]:
    """Measure every level; ratios compare events/s in the same run."""
    commands = pick(size, tiny=16, default=4000, large=20000)
    batches = pick(size, tiny=2, default=200, large=1000)
    skipped = peer.unavailable()
    figures: dict[str, Any] = {}
    baseline: dict[str, Any] = {}
    peers: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    plan = [(f"single_{s}_streams", Workload(s, max(1, commands // s), 1)) for s in SINGLE_LEVELS]
    plan += [(f"batch{BATCH}_{s}_streams", Workload(s, max(1, batches // s), BATCH)) for s in BATCH_LEVELS]
    for name, work in plan:
        baseline[f"raw_insert_{name}"] = await raw_insert(pg_url, work)
        figures[f"append_{name}"] = await ours(pg_url, work)
        ratios[f"append_vs_raw_insert_{name}"] = ratio(figures[f"append_{name}"]["events_per_s"],
                                                       baseline[f"raw_insert_{name}"]["events_per_s"])
        if skipped is None:
            peers[f"eventsourcing_{name}"] = await eventsourcing_peer(pg_url, work)
            if work.streams >= 8:
                ratios[f"append_vs_eventsourcing_{name}"] = ratio(
                    figures[f"append_{name}"]["events_per_s"], peers[f"eventsourcing_{name}"]["events_per_s"])
    result: dict[str, Any] = {
        "scenario": "append", "figures": figures, "baseline": baseline, "ratios": ratios,
        "peer": peers if skipped is None else {"eventsourcing": {"skipped": skipped}},
        "targets": {name: TARGETS[key] for name in ratios for key in TARGETS if name.startswith(key)},
        "notes": f"pool of min(streams, {MAX_CONNECTIONS}) connections for every implementation; "
                 "single = one event per transaction; the peer writes no outbox rows",
    }
    return result
