"""Outbox relay: publishes committed outbox rows to Kafka in position order.

Why it never skips: it keeps no high-water mark. It reads whatever outbox rows are
committed and still present, oldest position first, and deletes them only after the
broker acknowledged them. A transaction that commits late simply leaves its rows to the
next round. Per-stream order holds because version n+1 can only be appended after
version n committed, so n always has the lower position and is still in the outbox or
already published.

Replicas: every replica runs this loop, but only the holder of a PostgreSQL advisory lock
publishes; the lock dies with its connection, so a killed leader is replaced within one
retry interval. A crash between the broker's ack and the DELETE republishes the batch
(duplicates, never loss); consumers de-duplicate by event id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.eventstore import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x4C4F414E  # "LOAN"
SELECT_NEXT = """SELECT position, topic, key, payload FROM outbox WHERE position <> ALL($2::bigint[])
    ORDER BY position LIMIT $1"""


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        batch_size: int = 1000,
        idle_poll_seconds: float = 1.0,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self.dsn = dsn
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.idle_poll_seconds = idle_poll_seconds
        self.on_published = on_published
        self.is_leader = False
        self.published = 0
        self._wake = asyncio.Event()
        self._in_flight: deque[tuple[list[int], asyncio.Future[Any]]] = deque()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set, reconnecting after errors."""
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                self.is_leader = False
                await _wait(stop, 1.0)

    async def _run_once(self, stop: asyncio.Event) -> None:
        conn = await asyncpg.connect(self.dsn.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            while not stop.is_set():
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY):
                    break
                await _wait(stop, 1.0)
            if stop.is_set():
                return
            self.is_leader = True
            self._in_flight.clear()  # a new term republishes whatever was not deleted
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
            producer = self.producer_factory()
            await producer.start()
            try:
                while not stop.is_set():
                    self._wake.clear()
                    sent = await self._publish_batch(conn, producer)
                    if sent < self.batch_size:
                        waiter = asyncio.create_task(self._wake.wait())
                        stopper = asyncio.create_task(stop.wait())
                        await asyncio.wait({waiter, stopper}, timeout=self.idle_poll_seconds,
                                           return_when=asyncio.FIRST_COMPLETED)
                        waiter.cancel()
                        stopper.cancel()
            finally:
                await producer.stop()
        finally:
            self.is_leader = False
            await conn.close()

    async def _publish_batch(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Send the next batch while the previous one waits for its acks (two in flight).

        Each batch is deleted only after its own acks. The next SELECT skips the positions in
        flight, never a high-water mark, so a late commit is still picked up. Per-stream order
        holds: version n+1 commits after n, so n is in the same or an earlier batch, and the
        producer keeps send order per partition.
        """
        sending = [p for positions, _ in self._in_flight for p in positions]
        rows = await conn.fetch(SELECT_NEXT, self.batch_size, sending)
        if rows:
            futures = [await producer.send(r["topic"], value=bytes(r["payload"]), key=r["key"].encode())
                       for r in rows]
            self._in_flight.append(([r["position"] for r in rows], asyncio.gather(*futures)))
        while self._in_flight and (len(self._in_flight) > 1 or len(rows) < self.batch_size):
            positions, acked = self._in_flight.popleft()
            await acked
            await conn.execute("DELETE FROM outbox WHERE position = ANY($1::bigint[])", positions)
            self.published += len(positions)
            if self.on_published:
                self.on_published(len(positions))
        return len(rows)


async def outbox_lag_seconds(conn: asyncpg.Connection) -> float:
    """Age of the oldest unsent outbox row (0 when empty)."""
    age = await conn.fetchval("SELECT extract(epoch FROM clock_timestamp() - min(created_at)) FROM outbox")
    return float(age or 0.0)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def monotonic_ms() -> float:
    return time.monotonic() * 1000
