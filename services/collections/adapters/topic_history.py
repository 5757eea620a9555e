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

from shared.kafka import EndOffsets, make_consumer, topic_partitions

FETCH = 5_000  # records a fetch


async def read_topic(bootstrap: str, topic: str, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The envelopes (decoded JSON) of the topic that `keep` accepts, each event once, in partition order."""
    consumer = make_consumer(bootstrap, None, max_poll_records=FETCH, fetch_max_bytes=32 * 1024 * 1024,
                             max_partition_fetch_bytes=8 * 1024 * 1024)
    await consumer.start()
    try:
        partitions = await topic_partitions(consumer, [topic])
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = EndOffsets(await consumer.end_offsets(partitions))
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
