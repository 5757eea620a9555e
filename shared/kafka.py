"""aiokafka with safe settings (acks=all, manual commits) and topic creation."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

log = logging.getLogger(__name__)


def make_producer(bootstrap: str, **overrides: object) -> AIOKafkaProducer:
    """A producer with acks=all. Idempotence stays off (the local broker refuses it):
    outbox order plus inbox de-duplication make delivery effectively once."""
    options: dict[str, object] = {
        "bootstrap_servers": bootstrap,
        "acks": "all",
        "enable_idempotence": False,
        "linger_ms": 2,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 30_000,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)  # type: ignore[arg-type]


def make_consumer(bootstrap: str, group_id: str | None, *topics: str, **overrides: object) -> AIOKafkaConsumer:
    """A consumer that never auto-commits; offsets are committed after the DB transaction."""
    options: dict[str, object] = {
        "bootstrap_servers": bootstrap,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "session_timeout_ms": 10_000,
        "heartbeat_interval_ms": 2_000,
        "max_poll_records": 500,
        # Return a fetch soon when data is scarce (aiokafka's 500 ms default, which the local
        # broker waits out in full, dominated propagation latency at low rates).
        "fetch_max_wait_ms": 50,
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)  # type: ignore[arg-type]


async def ensure_topics(bootstrap: str, topics: list[str], partitions: int = 6,
                        retention_ms: int | None = None, attempts: int = 30) -> None:
    """Create topics (and their `.dlq`) if missing; waits for the broker to answer."""
    config = {"retention.ms": str(retention_ms)} if retention_ms else {}
    last: Exception | None = None
    for _ in range(attempts):
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            await admin.start()
            existing = set(await admin.list_topics())
            missing = [t for t in topics if t not in existing]
            if missing:
                try:
                    await admin.create_topics(
                        [NewTopic(t, num_partitions=partitions, replication_factor=1, topic_configs=config)
                         for t in missing])
                except TopicAlreadyExistsError:
                    pass
            return
        except (KafkaError, OSError) as exc:
            last = exc
            await asyncio.sleep(0.5)
        finally:
            await admin.close()
    raise RuntimeError(f"broker at {bootstrap} did not accept topics: {last}")


async def broker_metadata(bootstrap: str, timeout: float = 1.0) -> None:
    """One metadata request (all topics: it creates none); raises when the broker does not
    answer within `timeout` seconds."""
    from aiokafka.client import AIOKafkaClient

    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(client.bootstrap(), timeout)
    finally:
        await client.close()


class EndOffsets:
    """Where each partition ended when a read from the beginning started (a replay, a what-if).

    ListOffsets answers are not trusted (the local broker answers the last batch's base
    offset): a partition is empty when it says 0, and otherwise ends at the high-water mark
    of the first fetch response for it.
    """

    def __init__(self, listed: dict[TopicPartition, int]) -> None:
        self.listed = listed
        self.frozen: dict[TopicPartition, int] = {}
        self.remaining = {tp for tp, end in listed.items() if end > 0}

    def observe(self, consumer: AIOKafkaConsumer) -> None:
        for tp in list(self.remaining):
            high = consumer.highwater(tp)
            if tp not in self.frozen and high is not None:
                self.frozen[tp] = max(high, self.listed[tp])

    def within(self, tp: TopicPartition, offset: int) -> bool:
        return tp not in self.frozen or offset < self.frozen[tp]

    def consumed(self, tp: TopicPartition, offset: int) -> None:
        if tp in self.frozen and offset + 1 >= self.frozen[tp]:
            self.remaining.discard(tp)


async def topic_partitions(consumer: AIOKafkaConsumer, topics: list[str]) -> list[TopicPartition]:
    """Every partition of these topics, in topic then partition order."""
    cluster = await consumer._client.fetch_all_metadata()  # aiokafka has no public describe on the consumer
    return [TopicPartition(topic, partition)
            for topic in topics for partition in sorted(cluster.partitions_for_topic(topic) or ())]
