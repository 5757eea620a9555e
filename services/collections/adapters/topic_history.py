"""The recorded case streams read back from collections' topic (the what-if's `--source topics`).

Every record of every partition of the topic, from the beginning up to where each partition
ended when the read started, without a consumer group (nothing is committed, nothing changes
for the services' consumers). A case's events share its loan's key, so they sit in one partition
in the order they were appended; a redelivered record (the relay publishes at least once) is
dropped by its event id. Only events of case streams are kept (the types the case fold applies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.kafka import make_consumer

FETCH = 5_000  # records a fetch


class Ends:
    """Where each partition ended when the read started.

    A partition that lists 0 is empty; otherwise its end is the high-water mark of the first fetch
    answer for it (the local broker's ListOffsets answers the last batch's base offset).
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


async def read_topic(bootstrap: str, topic: str, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The envelopes (decoded JSON) of the topic that `keep` accepts, each event once, in partition order."""
    consumer = make_consumer(bootstrap, None, max_poll_records=FETCH, fetch_max_bytes=32 * 1024 * 1024,
                             max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()  # aiokafka has no public describe on the consumer
        partitions = [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = Ends(await consumer.end_offsets(partitions))
        seen: set[str] = set()
        out: list[dict[str, Any]] = []
        while ends.remaining:
            fetched = await consumer.getmany(timeout_ms=500, max_records=FETCH)
            ends.observe(consumer)
            for tp, records in fetched.items():
                for record in records:
                    if not record.value or not ends.within(tp, record.offset):
                        continue
                    envelope = orjson.loads(record.value)
                    if envelope.get("id") not in seen and keep(envelope):
                        seen.add(envelope["id"])
                        out.append(envelope)
                if records:
                    ends.consumed(tp, records[-1].offset)
        return out
    finally:
        await consumer.stop()
