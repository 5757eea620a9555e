"""Inbox consumer: at-least-once delivery from Kafka, effectively-once effects.

For each record: in ONE database transaction, insert (consumer, event id) into `inbox`
(a conflict means "already handled": skip), run the handler's effects, and save the
partition's next offset in `consumer_positions`. Only after the commit is the Kafka
offset committed. A record that keeps failing is retried with backoff, then written to
`dead_letters` and produced to `<topic>.dlq` with the error, and the partition moves on.

What one poll returns is handled in one transaction: one INSERT claims every record's inbox
row, the handler runs for the records not seen before (or the service's batch handler gets
them all at once), one statement saves the partitions' positions. If that fails, each
partition is tried alone, then each record alone with the retries above.

A lost database (connection refused or broken, server starting or shutting down) is not the
record's fault: nothing is dead-lettered, the Kafka client restarts and the records come again
from the last committed offset once PostgreSQL is back. With an ephemeral broker (`fence`
given) the Kafka clients live inside a BrokerFence (shared/fence.py) and are dropped at once
when the broker goes away, so a restarted broker is read from its first offset.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from pydantic import ValidationError

from shared.contracts.envelope import CloudEvent
from shared.db import database_lost
from shared.fence import BrokerFence, abandon_consumer, abandon_producer
from shared.logging import correlation_id

log = logging.getLogger(__name__)

Handler = Callable[[asyncpg.Connection, CloudEvent], Awaitable[None]]
# Optional: handles a poll's fresh events (already de-duplicated, each partition's in offset
# order) in the poll's transaction; a service gives one where set-based work beats one at a time.
BatchHandler = Callable[[asyncpg.Connection, list[CloudEvent]], Awaitable[None]]


SAVE_POSITIONS = """INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
    SELECT $1, u.t, u.p, u.o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
    ON CONFLICT (consumer, topic, partition) DO UPDATE
    SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)"""

# A poll's inbox rows (in poll order) and its partitions' next offsets, in one statement.
CLAIM = """WITH positions AS (
    INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
    SELECT $1, u.t, u.p, u.o FROM unnest($6::text[], $7::int[], $8::bigint[]) AS u(t, p, o)
    ON CONFLICT (consumer, topic, partition) DO UPDATE
    SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)
)
INSERT INTO inbox (consumer, event_id, topic, partition, "offset")
SELECT $1, u.id, u.t, u.p, u.o
FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[]) WITH ORDINALITY AS u(id, t, p, o, n)
ORDER BY u.n
ON CONFLICT DO NOTHING RETURNING event_id"""


class PoisonMessage(Exception):
    """A record that can never be handled (not a CloudEvent); goes straight to the DLQ."""


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    lag: dict[str, int] = field(default_factory=dict)


class InboxConsumer:
    def __init__(
        self,
        *,
        name: str,
        pool: asyncpg.Pool,
        consumer_factory: Callable[[], AIOKafkaConsumer],
        producer_factory: Callable[[], AIOKafkaProducer],
        handler: Handler,
        batch_handler: BatchHandler | None = None,
        max_attempts: int = 4,
        backoff_seconds: Sequence[float] = (0.05, 0.25, 1.0),
        fence: BrokerFence | None = None,
    ) -> None:
        self.name = name
        self.pool = pool
        self.consumer_factory = consumer_factory
        self.producer_factory = producer_factory
        self.handler = handler
        self.batch_handler = batch_handler
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.fence = fence
        self.stats = ConsumerStats()
        self.last_poll = time.monotonic()  # last poll of the broker that returned (records or none)
        self.ready = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._positions: dict[TopicPartition, int] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; restarts the Kafka client after broker or database errors."""
        while not stop.is_set():
            try:
                if self.fence is None:
                    await self._consume(stop)
                else:
                    await self.fence.run(stop, lambda: self._consume(stop))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("consumer %s failed; restarting", self.name)
                await asyncio.sleep(1.0)

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = self.consumer_factory()
        producer = self.producer_factory()
        graceful = False
        committing: asyncio.Task[None] | None = None
        try:
            await consumer.start()
            await producer.start()
            self._consumer = consumer
            self.ready.set()
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=300, max_records=500)
                self.last_poll = time.monotonic()
                # Everything polled in one transaction (each partition's records in offset
                # order), falling back to one partition at a time, then one record at a time.
                # (Handling partitions concurrently was tried: handlers that share rows, such
                # as collections' caseload, then deadlock and fall back to one-by-one retries.)
                if batches:
                    await self._handle_polled(producer, batches)
                    self.last_poll = time.monotonic()
                    # The Kafka commit (after the database's) runs while the next poll is handled, one
                    # at a time and in order: its round trip to the broker is off the records' path.
                    if committing is not None:
                        await committing
                    committing = asyncio.create_task(
                        self._commit(consumer, {tp: records[-1].offset + 1 for tp, records in batches.items()}))
                self._update_lag(consumer)
            graceful = True
        finally:
            self._consumer = None
            if committing is not None:
                if graceful:
                    await committing
                else:  # failed or cancelled: a lost commit only means redelivery (the inbox skips it)
                    committing.cancel()
                    await asyncio.gather(committing, return_exceptions=True)
            if self.fence is not None and not graceful:  # the broker is gone: drop the clients unflushed
                await abandon_consumer(consumer)
                await abandon_producer(producer)
            for client in (consumer, producer):
                try:
                    await client.stop()
                except Exception:
                    log.debug("client stop failed", exc_info=True)

    async def _handle_polled(self, producer: AIOKafkaProducer,
                             batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        if len(batches) == 1:
            [(tp, records)] = batches.items()
            await self._handle_partition_batch(producer, tp, records)
            return
        try:
            await self._handle_together(batches)
        except Exception as exc:
            if database_lost(exc):
                raise
            log.warning("poll of %d partitions failed together; one partition at a time", len(batches),
                        exc_info=True)
            for tp, records in batches.items():
                await self._handle_partition_batch(producer, tp, records)

    async def _handle_partition_batch(self, producer: AIOKafkaProducer, tp: TopicPartition,
                                      records: list[ConsumerRecord]) -> None:
        try:
            await self._handle_together({tp: records})
        except Exception as exc:
            if database_lost(exc):
                raise
            log.warning("batch of %d on %s failed; handling one by one", len(records), tp, exc_info=True)
            for record in records:
                await self._handle_alone(producer, tp, record)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        """Commit Kafka offsets after the database commits (a failure only means redelivery)."""
        if not offsets:
            return
        try:
            await consumer.commit(offsets)
            self._positions.update(offsets)
        except (CommitFailedError, KafkaError):
            log.warning("offset commit failed (rebalance?); records will be redelivered and skipped")

    async def _handle_together(self, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        """Records of one or more partitions in one transaction, with the partitions' positions."""
        polled = [(tp, record, _parse(record)) for tp, records in batches.items() for record in records]
        async with self.pool.acquire() as conn, conn.transaction():
            fresh = await self._claim(conn, polled, {tp: records[-1].offset + 1 for tp, records in batches.items()})
            if self.batch_handler is not None:
                if fresh:
                    await self.batch_handler(conn, fresh)
            else:
                for event in fresh:
                    await self._run_handler(conn, event)
            self.stats.handled += len(fresh)

    async def _claim(self, conn: asyncpg.Connection, polled: list[tuple[TopicPartition, ConsumerRecord, CloudEvent]],
                     next_offsets: dict[TopicPartition, int]) -> list[CloudEvent]:
        """Insert the inbox rows and save the partitions' positions in one statement (one round trip; both
        commit or vanish with the handler's effects); the events not handled before, in order."""
        tps = sorted(next_offsets)
        claimed = {r["event_id"] for r in await conn.fetch(
            CLAIM,
            self.name, [e.id for _, _, e in polled], [tp.topic for tp, _, _ in polled],
            [tp.partition for tp, _, _ in polled], [r.offset for _, r, _ in polled],
            [tp.topic for tp in tps], [tp.partition for tp in tps], [next_offsets[tp] for tp in tps])}
        fresh: list[CloudEvent] = []
        for _, _, event in polled:
            if event.id in claimed:
                claimed.discard(event.id)  # a copy later in the same batch is a duplicate
                fresh.append(event)
        self.stats.duplicates += len(polled) - len(fresh)
        return fresh

    async def _handle_alone(self, producer: AIOKafkaProducer, tp: TopicPartition, record: ConsumerRecord) -> None:
        error: BaseException | None = None
        attempts = 0
        for attempts in range(1, self.max_attempts + 1):
            try:
                event = _parse(record)
                async with self.pool.acquire() as conn, conn.transaction():
                    await self._apply(conn, tp, record, event)
                    await self._save_position(conn, tp, record.offset + 1)
                return
            except PoisonMessage as exc:
                error = exc
                break
            except Exception as exc:
                if database_lost(exc):
                    raise  # not the record's fault: redelivered once the database is back
                error = exc
                if attempts < self.max_attempts:
                    await asyncio.sleep(self.backoff_seconds[min(attempts - 1, len(self.backoff_seconds) - 1)])
        await self._dead_letter(producer, tp, record, error, attempts)

    async def _apply(self, conn: asyncpg.Connection, tp: TopicPartition, record: ConsumerRecord,
                     event: CloudEvent) -> None:
        fresh = await conn.fetchval(
            """INSERT INTO inbox (consumer, event_id, topic, partition, "offset") VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT DO NOTHING RETURNING 1""",
            self.name, event.id, tp.topic, tp.partition, record.offset)
        if not fresh:
            self.stats.duplicates += 1
            return
        await self._run_handler(conn, event)
        self.stats.handled += 1

    async def _run_handler(self, conn: asyncpg.Connection, event: CloudEvent) -> None:
        token = correlation_id.set(event.correlationid)
        try:
            await self.handler(conn, event)
        finally:
            correlation_id.reset(token)

    async def _save_position(self, conn: asyncpg.Connection, tp: TopicPartition, next_offset: int) -> None:
        await self._save_positions(conn, {tp: next_offset})

    async def _save_positions(self, conn: asyncpg.Connection, next_offsets: dict[TopicPartition, int]) -> None:
        tps = sorted(next_offsets)
        await conn.execute(SAVE_POSITIONS, self.name, [tp.topic for tp in tps], [tp.partition for tp in tps],
                           [next_offsets[tp] for tp in tps])

    async def _dead_letter(self, producer: AIOKafkaProducer, tp: TopicPartition, record: ConsumerRecord,
                           error: BaseException | None, attempts: int) -> None:
        message = f"{type(error).__name__}: {error}"[:4000]
        log.error("dead-lettering %s[%d]@%d after %d attempts: %s", tp.topic, tp.partition, record.offset,
                  attempts, message)
        key = record.key.decode(errors="replace") if record.key else None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """INSERT INTO dead_letters (consumer, topic, partition, "offset", key, payload, error, attempts)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                self.name, tp.topic, tp.partition, record.offset, key, record.value, message, attempts)
            await self._save_position(conn, tp, record.offset + 1)
        headers = [("error", message.encode()), ("consumer", self.name.encode()),
                   ("original-topic", tp.topic.encode()), ("original-partition", str(tp.partition).encode()),
                   ("original-offset", str(record.offset).encode())]
        await producer.send_and_wait(f"{tp.topic}.dlq", value=record.value, key=record.key, headers=headers)
        self.stats.dead_lettered += 1

    def _update_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            high = consumer.highwater(tp)
            if high is None:
                continue
            position = self._positions.get(tp)
            self.stats.lag[f"{tp.topic}:{tp.partition}"] = max(0, high - (position if position is not None else high))


def _parse(record: ConsumerRecord) -> CloudEvent:
    if record.value is None:
        raise PoisonMessage("empty record")
    try:
        return CloudEvent.from_json_bytes(record.value)
    except (ValidationError, ValueError) as exc:
        raise PoisonMessage(f"not a CloudEvent: {exc}") from exc
