"""The three writers the append scenario compares, each on a fresh database of its own."""

from __future__ import annotations

from typing import Any

from bench.scenarios import _peer_eventsourcing as peer
from bench.support import drive, payment_event, unique
from shared.contracts import CloudEvent
from shared.db import create_pool
from shared.eventstore import PostgresEventStore, _published_bytes

INSERT_EVENTS = """INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[]) AS u(v, id, t, env)
    RETURNING position"""
INSERT_OUTBOX = """INSERT INTO outbox (position, topic, key, payload)
    SELECT u.p, $1, $2, u.b FROM unnest($3::bigint[], $4::bytea[]) AS u(p, b)"""

Timing = tuple[float, list[float]]  # wall seconds, per-command latencies in seconds


class Workload:
    """The events of one round: `streams` new streams of `per_stream` commands of `batch` events."""

    def __init__(self, streams: int, per_stream: int, batch: int) -> None:
        self.streams, self.per_stream, self.batch = streams, per_stream, batch
        prefix = unique("s")
        self.names = [f"{prefix}-{s}" for s in range(streams)]
        self.events = [[payment_event(name, n) for n in range(per_stream * batch)] for name in self.names]
        self.topic = "bench.servicing"

    @property
    def total(self) -> int:
        return self.streams * self.per_stream * self.batch

    def chunk(self, s: int, n: int) -> list[CloudEvent]:
        return self.events[s][n * self.batch:(n + 1) * self.batch]

    def rows(self, s: int, n: int) -> tuple[list[int], list[str], list[str], list[dict[str, Any]], list[bytes]]:
        """The identical rows the store writes for command n of stream s, serialised up front."""
        stamped = [e.model_copy(update={"sequence": n * self.batch + i + 1}) for i, e in enumerate(self.chunk(s, n))]
        return ([e.sequence for e in stamped], [e.id for e in stamped], [e.type for e in stamped],
                [e.model_dump(mode="json", exclude_none=True) for e in stamped],
                [_published_bytes(e) for e in stamped])


class OurStore:
    """Our event store, as a service calls it: one transaction per command."""

    label = "append_ours"
    platform_tables = True

    async def open(self, dsn: str, connections: int) -> None:
        self.pool = await create_pool(dsn, min_size=connections, max_size=connections)
        self.store = PostgresEventStore("bench.servicing")

    async def measure(self, work: Workload) -> Timing:
        async def command(s: int, n: int) -> None:
            async with self.pool.acquire() as conn, conn.transaction():
                await self.store.append(conn, work.names[s], work.chunk(s, n), expected_version=n * work.batch)

        return await drive(work.streams, work.per_stream, command)

    async def stored(self) -> int:
        return int(await self.pool.fetchval("SELECT count(*) FROM events"))

    async def close(self) -> None:
        await self.pool.close()


class RawInsert(OurStore):
    """Baseline: the same rows by plain INSERTs, serialised before the clock starts."""

    label = "append_raw"

    async def measure(self, work: Workload) -> Timing:
        rows = [[work.rows(s, n) for n in range(work.per_stream)] for s in range(work.streams)]

        async def command(s: int, n: int) -> None:
            versions, ids, types, envelopes, payloads = rows[s][n]
            async with self.pool.acquire() as conn, conn.transaction():
                positions = await conn.fetch(INSERT_EVENTS, work.names[s], versions, ids, types, envelopes)
                await conn.execute(INSERT_OUTBOX, work.topic, work.names[s], [r[0] for r in positions], payloads)

        return await drive(work.streams, work.per_stream, command)


class EventsourcingPeer:
    """Peer: eventsourcing's recorder given the same events, serialised in the command as ours are."""

    label = "append_peer"
    platform_tables = False

    async def open(self, dsn: str, connections: int) -> None:
        self.recorder = peer.PeerRecorder(dsn, connections)

    async def measure(self, work: Workload) -> Timing:
        def command(s: int, n: int) -> None:
            states = [e.to_json_bytes() for e in work.chunk(s, n)]
            self.recorder.insert(work.names[s], n * work.batch + 1, "loan.payment.received", states)

        return await peer.drive_threads(work.streams, work.per_stream, command)

    async def stored(self) -> int:
        with self.recorder.datastore.transaction() as cursor:
            cursor.execute("SELECT count(*) AS n FROM stored_events")
            row = cursor.fetchone()
        return int(row["n"]) if row else 0

    async def close(self) -> None:
        self.recorder.close()
