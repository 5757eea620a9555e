"""Restarting an ephemeral broker without losing or reordering events.

The embedded broker (Tansu, memory storage) comes back from a restart empty: topics, records
and committed offsets are gone. With `LOANFLOW_BROKER_EPHEMERAL=true` (set by `loanflow up` for
that broker only; never on Apache Kafka) the services and `loanflow up` follow one protocol:

1. Every Kafka client of a service (the relay's producer, each consumer with its DLQ producer)
   lives only while its process holds a *shared* PostgreSQL advisory lock `FENCE_KEY` on the
   service's database, and it watches the broker's port. When the broker stops answering, it
   drops the client at once, without flushing (`abandon_producer` / `abandon_consumer`: nothing
   it still holds can reach a later broker), then releases the lock.
2. `loanflow up`, having reaped the dead broker, takes `FENCE_KEY` *exclusively* on every
   service database, so it knows no client of the old broker is left and no new one starts.
   Holding it, it copies each service's whole event log back into its outbox
   (`requeue_event_log`), starts the new broker, creates the topics, and releases the locks.
3. The relays then publish the outbox in position order, from the first event: per-stream order
   holds as in normal running, and the restarted broker holds every event. Consumers, whose
   committed offsets are gone, start from the earliest offset; the inbox skips what they had
   already handled.

Why from the first event: a consumer may lag by any amount and its progress is in another
service's database, so only the whole log provably covers what every consumer may lack.
The cost (each consumer re-reads the log and skips it) is paid only on a development machine.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from typing import Any

import asyncpg

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import masked_on_publish_types

log = logging.getLogger(__name__)

FENCE_KEY = 0x4C4F4146  # "LOAF": held shared by each live Kafka client, exclusively by `loanflow up`
WATCH_SECONDS = 0.2


class BrokerLost(Exception):
    """The ephemeral broker stopped answering (or the fence's connection was lost)."""


async def broker_answers(bootstrap: str, timeout: float = 0.5) -> bool:
    """Whether some bootstrap address accepts a TCP connection within `timeout`."""
    for address in bootstrap.split(","):
        host, _, port = address.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), timeout)
        except (OSError, TimeoutError, ValueError):
            continue
        writer.close()
        with suppress(OSError):
            await writer.wait_closed()
        return True
    return False


class BrokerFence:
    """A Kafka client's hold on FENCE_KEY (shared) and its watch on the broker."""

    def __init__(self, dsn: str, bootstrap: str, *, watch_seconds: float = WATCH_SECONDS) -> None:
        self.dsn = dsn.replace("postgresql+asyncpg://", "postgresql://")
        self.bootstrap = bootstrap
        self.watch_seconds = watch_seconds

    async def run(self, stop: asyncio.Event, body: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `body` (which starts and uses the Kafka clients) while holding the fence; cancel it
        and raise BrokerLost when the broker goes away. Returns early if `stop` is set first."""
        conn = await asyncpg.connect(self.dsn)
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock_shared($1)", FENCE_KEY):
                if stop.is_set():
                    return
                await asyncio.sleep(0.1)  # `loanflow up` is restarting the broker
            work = asyncio.create_task(body())
            watch = asyncio.create_task(self._watch(conn))
            try:
                await asyncio.wait({work, watch}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (work, watch):
                    task.cancel()
                await asyncio.gather(work, watch, return_exceptions=True)
            if watch.done() and not watch.cancelled() and watch.exception() is not None:
                raise watch.exception()  # type: ignore[misc]
            work.result()
        finally:
            await conn.close()  # releases the lock: only now may a new broker start

    async def _watch(self, conn: asyncpg.Connection) -> None:
        while True:
            await asyncio.sleep(self.watch_seconds)
            if conn.is_closed():
                raise BrokerLost("the fence's database connection was lost")
            if not await broker_answers(self.bootstrap):
                raise BrokerLost(f"the broker at {self.bootstrap} does not answer")


async def abandon_producer(producer: Any) -> None:
    """Close a producer without delivering what it still holds (it stays in the outbox)."""
    sender = getattr(producer, "_sender", None)
    with suppress(Exception):
        if sender is not None:
            await sender.close()  # cancels the send loop; pending sends fail
    with suppress(Exception):
        await asyncio.wait_for(producer.stop(), 2.0)


async def abandon_consumer(consumer: Any) -> None:
    """Close a consumer at once: no more fetches, its in-memory positions dropped, and no group
    task left behind. (A graceful stop() waits on the dead coordinator; cut short, it left the
    heartbeat running, which rejoined the restarted broker's group and held partitions nobody read.)"""
    consumer._closed = True  # a later stop() is a no-op
    coordinator = getattr(consumer, "_coordinator", None)
    tasks = [getattr(coordinator, name, None) for name in
             ("_coordination_task", "_heartbeat_task", "_commit_refresh_task", "_reset_committed_task")]
    for task in tasks:
        if task is not None:
            task.cancel()
    await asyncio.gather(*(t for t in tasks if t is not None), return_exceptions=True)
    fetcher = getattr(consumer, "_fetcher", None)
    with suppress(Exception):
        if fetcher is not None:
            await asyncio.wait_for(fetcher.close(), 2.0)
    with suppress(Exception):
        await asyncio.wait_for(consumer._client.close(), 2.0)


REQUEUE_PLAIN = """INSERT INTO outbox (position, topic, key, payload)
    SELECT position, $1, envelope->>'subject', convert_to(envelope::text, 'UTF8') FROM events
    WHERE NOT (type = ANY($2::text[])) ORDER BY position
    ON CONFLICT (position) DO NOTHING"""


async def requeue_event_log(conn: asyncpg.Connection, topic: str, *, batch: int = 5000) -> int:
    """Copy every event of the store back into the outbox (masked as on first publication);
    rows still unsent stay as they are. Returns the number of events in the log. Run it only
    while holding FENCE_KEY exclusively (no relay is publishing)."""
    from shared.eventstore import _published_bytes as published_bytes

    if await conn.fetchval("SELECT to_regclass('events') IS NULL OR to_regclass('outbox') IS NULL"):
        return 0
    masked = sorted(masked_on_publish_types())
    started = time.monotonic()
    async with conn.transaction():
        await conn.execute(REQUEUE_PLAIN, topic, masked)
        after = 0
        while masked:
            rows = await conn.fetch(
                """SELECT position, envelope FROM events WHERE type = ANY($1::text[]) AND position > $2
                   ORDER BY position LIMIT $3""", masked, after, batch)
            if not rows:
                break
            events = [CloudEvent.model_validate_json(e) if isinstance(e := r["envelope"], str)
                      else CloudEvent.model_validate(e) for r in rows]
            await conn.execute(
                """INSERT INTO outbox (position, topic, key, payload)
                   SELECT u.p, $1, u.k, u.b FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS u(p, k, b)
                   ON CONFLICT (position) DO NOTHING""",
                topic, [r["position"] for r in rows], [e.subject for e in events],
                [published_bytes(e) for e in events])
            after = rows[-1]["position"]
        total = int(await conn.fetchval("SELECT count(*) FROM events"))
    log.info("requeued %d events of %s in %.2f s", total, topic, time.monotonic() - started)
    return total


async def fenced_restart(logs: Sequence[tuple[str, str, str]], start_broker: Callable[[], Coroutine[Any, Any, None]],
                         *, patience: float = 30.0, on_stuck: Callable[[str], None] | None = None) -> int:
    """Step 2 of the protocol for `logs` = (label, dsn, topic) of every service database.

    Takes FENCE_KEY exclusively on each database (so every Kafka client of the dead broker is
    gone and no new one starts), requeues each event log, awaits `start_broker()` (which must
    start the broker and create the topics), then releases. A database whose lock is still held
    after `patience` seconds is reported to `on_stuck(label)` (e.g. to stop a hung process), once.
    Returns the number of events requeued. Raises on a database error: the caller retries.
    """
    conns: list[tuple[asyncpg.Connection, str]] = []
    try:
        for label, dsn, topic in logs:
            conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
            conns.append((conn, topic))
            waiting_since, reported = time.monotonic(), False
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", FENCE_KEY):
                if on_stuck is not None and not reported and time.monotonic() - waiting_since > patience:
                    on_stuck(label)
                    reported = True
                await asyncio.sleep(0.05)
        total = 0
        for conn, topic in conns:
            total += await requeue_event_log(conn, topic)
        await start_broker()
        return total
    finally:
        for conn, _ in conns:
            await conn.close()
