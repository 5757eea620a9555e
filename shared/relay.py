"""Outbox relay: publishes committed outbox rows to Kafka in position order.

Why it never skips: it keeps no high-water mark. It reads whatever outbox rows are
committed and still present, oldest position first, skipping only the rows it has sent and
not yet deleted, and deletes a row only after the broker acknowledged it. A transaction that
commits late simply leaves its rows to the next round. Per-stream order holds because version
n+1 can only be appended after version n committed, so n always has the lower position: a
read that sees n+1 sees n too, in the same or an earlier batch, and the producer keeps send
order per partition.

Pipeline (one leadership term): the read of the next batch is sent to PostgreSQL before the
current batch is handed to the producer, so the server reads while Python sends; the DELETEs
of acknowledged batches run on a second connection in a task of their own, off the sending
path, several acknowledged batches in one statement (while fewer than a tenth of a batch is
unsettled, i.e. a trickle of single commits, it lingers `delete_linger_seconds` to gather them
rather than delete after every commit). At most `max_in_flight` × `batch_size` rows are sent
and not yet deleted (counted in rows: at low rates each batch holds one row).

Replicas: every replica runs this loop, but only the holder of a PostgreSQL advisory lock
publishes; the lock dies with its connection, so a killed leader is replaced within one
retry interval. Reads go through the lock's connection, so a leader that lost it stops at its
next read. A crash between the broker's ack and the DELETE republishes those rows
(duplicates, never loss); consumers de-duplicate by event id.

An ephemeral broker (`fence` given): each term's producer lives inside a BrokerFence and is
dropped unflushed when the broker goes away; `loanflow up` then requeues the whole event log
into the outbox before the restarted broker accepts anything (shared/fence.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from shared.eventstore import NOTIFY_CHANNEL
from shared.fence import BrokerFence, abandon_producer

log = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x4C4F414E  # "LOAN"
# Rows in flight are skipped by an anti-join on the array: `position <> ALL($2)` compared each
# scanned row with every element (7 ms for 1,000 in flight, 16 ms for 2,000; the join: 1.5-2 ms).
SELECT_NEXT = """SELECT position, topic, key, payload FROM outbox o
    WHERE NOT EXISTS (SELECT FROM unnest($2::bigint[]) AS f(position) WHERE f.position = o.position)
    ORDER BY position LIMIT $1"""
DELETE_SENT = "DELETE FROM outbox WHERE position = ANY($1::bigint[])"
DRAIN_SECONDS = 10.0  # on a graceful stop, how long to wait for the last acks before leaving them


class OutboxRelay:
    def __init__(
        self,
        dsn: str,
        producer_factory: Callable[[], AIOKafkaProducer],
        *,
        batch_size: int = 1000,
        max_in_flight: int = 4,
        delete_linger_seconds: float = 0.02,
        idle_poll_seconds: float = 1.0,
        on_published: Callable[[int], None] | None = None,
        fence: BrokerFence | None = None,
    ) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.producer_factory = producer_factory
        self.batch_size = batch_size
        self.max_in_flight = max_in_flight
        self.delete_linger_seconds = delete_linger_seconds
        self.idle_poll_seconds = idle_poll_seconds
        self.on_published = on_published
        self.fence = fence
        self.name = "relay"
        self.last_poll = time.monotonic()  # last successful read of the outbox (or of the leader lock)
        self.is_leader = False
        self.published = 0  # rows acknowledged by the broker and deleted from the outbox
        self.wake = asyncio.Event()  # set by the appends' NOTIFY

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
        conn = await asyncpg.connect(self.dsn)
        try:
            while not stop.is_set():
                leader = await conn.fetchval("SELECT pg_try_advisory_lock($1)", RELAY_LOCK_KEY)
                self.last_poll = time.monotonic()
                if leader:
                    break
                await _wait(stop, 1.0)
            if stop.is_set():
                return
            self.is_leader = True
            await conn.add_listener(NOTIFY_CHANNEL, lambda *_: self.wake.set())
            deleter = await asyncpg.connect(self.dsn)
            try:
                # A DELETE lost with a server crash only republishes rows the broker already has.
                await deleter.execute("SET synchronous_commit TO off")
                if self.fence is None:
                    await self._term(stop, conn, deleter)
                else:
                    await self.fence.run(stop, lambda: self._term(stop, conn, deleter))
            finally:
                await deleter.close()
        finally:
            self.is_leader = False
            await conn.close()

    async def _term(self, stop: asyncio.Event, conn: asyncpg.Connection, deleter: asyncpg.Connection) -> None:
        producer = self.producer_factory()
        await producer.start()
        try:
            await _Term(self, conn, deleter, producer).run(stop)
        except BaseException:
            if self.fence is not None:  # the broker is gone: deliver nothing more (the outbox keeps it)
                await abandon_producer(producer)
            raise
        finally:
            await producer.stop()  # flushes; a no-op after abandon_producer

    def note_published(self, published: int) -> None:
        self.published += published
        if self.on_published:
            self.on_published(published)


@dataclass
class _Batch:
    positions: list[int]
    acked: asyncio.Future[Any]


class _Term:
    """One leadership term: sends batches, deletes each after its acks; a new term starts afresh."""

    def __init__(self, relay: OutboxRelay, conn: asyncpg.Connection, deleter: asyncpg.Connection,
                 producer: AIOKafkaProducer) -> None:
        self.relay, self.conn, self.deleter, self.producer = relay, conn, deleter, producer
        self.in_flight: deque[_Batch] = deque()  # sent and not yet deleted, in send order
        self.unsettled = 0  # rows in those batches
        self.room = relay.max_in_flight * relay.batch_size
        self.sent = asyncio.Event()  # a batch was added
        self.freed = asyncio.Event()  # a batch was deleted

    async def run(self, stop: asyncio.Event) -> None:
        relay = self.relay
        deleting = asyncio.create_task(self._delete_acked())
        stopping = asyncio.create_task(stop.wait())
        prefetch: asyncio.Task[list[Any]] | None = None
        try:
            while not stop.is_set() and not deleting.done():
                if prefetch is None:
                    relay.wake.clear()
                    rows = await self._fetch(self._unsettled_positions())
                else:
                    rows, prefetch = await prefetch, None
                if rows:
                    positions = [r["position"] for r in rows]
                    if len(rows) == relay.batch_size and self.unsettled + 2 * relay.batch_size <= self.room:
                        relay.wake.clear()
                        prefetch = asyncio.create_task(self._fetch(self._unsettled_positions() + positions))
                        await asyncio.sleep(0)  # let it send the query: the send loop never yields
                    await self._send(rows, positions)
                if prefetch is None:
                    await self._pause(len(rows) < relay.batch_size, deleting, stopping)
            if deleting.done():
                deleting.result()  # the deleter's error ends the term
            await self._drain(deleting)
        finally:
            for task in (prefetch, deleting, stopping):
                if task is not None:
                    task.cancel()
            await asyncio.gather(*(t for t in (prefetch, deleting, stopping) if t is not None),
                                 return_exceptions=True)
            for batch in self.in_flight:  # republished by the next term; their outcome is moot
                batch.acked.add_done_callback(_ignore_outcome)

    def _unsettled_positions(self) -> list[int]:
        return [p for batch in self.in_flight for p in batch.positions]

    async def _fetch(self, skip: list[int]) -> list[Any]:
        rows = list(await self.conn.fetch(SELECT_NEXT, self.relay.batch_size, skip))
        self.relay.last_poll = time.monotonic()
        return rows

    async def _send(self, rows: list[Any], positions: list[int]) -> None:
        send = self.producer.send
        futures = [await send(r["topic"], value=r["payload"], key=r["key"].encode()) for r in rows]
        self.in_flight.append(_Batch(positions, asyncio.gather(*futures)))
        self.unsettled += len(positions)
        self.sent.set()

    async def _pause(self, drained: bool, deleting: asyncio.Task[None], stopping: asyncio.Task[Any]) -> None:
        """Before the next read: wait while a batch would not fit in flight, then, if the last
        read drained the outbox, for a NOTIFY (or the idle poll)."""
        while self.unsettled + self.relay.batch_size > self.room:
            self.freed.clear()
            if not await _first(self.freed, deleting, stopping, None):
                return
        if drained:
            await _first(self.relay.wake, deleting, stopping, self.relay.idle_poll_seconds)

    async def _delete_acked(self) -> None:
        """Delete batches in send order once acknowledged; all already-acked ones in one DELETE."""
        while True:
            while not self.in_flight:
                self.sent.clear()
                await self.sent.wait()
            await asyncio.wait((self.in_flight[0].acked,))  # wait without cancelling it
            if self.unsettled * 10 < self.relay.batch_size:  # a trickle of commits: one DELETE for several
                await asyncio.sleep(self.relay.delete_linger_seconds)
            done: list[_Batch] = []
            for batch in self.in_flight:
                if not batch.acked.done():
                    break
                batch.acked.result()  # a failed send ends the term before anything is deleted
                done.append(batch)
            positions = [p for batch in done for p in batch.positions]
            await self.deleter.execute(DELETE_SENT, positions)
            for _ in done:
                self.in_flight.popleft()
            self.unsettled -= len(positions)
            self.freed.set()
            self.relay.note_published(len(positions))

    async def _drain(self, deleting: asyncio.Task[None]) -> None:
        """On a graceful stop, let the deleter finish what was sent (bounded)."""
        deadline = time.monotonic() + DRAIN_SECONDS
        while self.in_flight and not deleting.done() and time.monotonic() < deadline:
            self.freed.clear()
            await _first(self.freed, deleting, None, deadline - time.monotonic())


async def _first(event: asyncio.Event, deleting: asyncio.Task[None], stopping: asyncio.Task[Any] | None,
                 timeout: float | None) -> bool:
    """Wait for `event`, the deleter ending (its error is raised), `stopping` or the timeout;
    True when `event` is set."""
    waiter = asyncio.create_task(event.wait())
    tasks = {waiter, deleting} | ({stopping} if stopping else set())
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if deleting.done():
        deleting.result()
    return event.is_set()


def _ignore_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


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
