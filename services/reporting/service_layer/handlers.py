"""Apply events to the read models: one at a time (inbox consumer) or a batch at a time (rebuild)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg

from services.reporting.adapters.writer import write_rows
from services.reporting.domain.projection import Rows, project
from shared.contracts import CloudEvent


async def handle_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Inbox-consumer handler: project one event inside the consumer's transaction."""
    await write_rows(conn, project(event))


@dataclass(frozen=True)
class Positioned:
    """An event and where it was read: (topic, partition, offset); partition -1 for an event-store export."""

    event: CloudEvent
    topic: str
    partition: int
    offset: int


async def apply_batch(conn: asyncpg.Connection, consumer: str, batch: Sequence[Positioned]) -> int:
    """Project a batch in the caller's transaction: inbox rows, read-model rows, next positions.

    The same effect as the inbox consumer handling each record (a duplicate event id is
    skipped), with one multi-row insert per table. Returns how many events were new.
    """
    if not batch:
        return 0
    fresh = set(await conn.fetchval(
        """WITH ins AS (
               INSERT INTO inbox (consumer, event_id, topic, partition, "offset")
               SELECT $1, u.id, u.t, u.p, u.o FROM unnest($2::text[], $3::text[], $4::int[], $5::bigint[])
                   AS u(id, t, p, o)
               ON CONFLICT DO NOTHING RETURNING event_id)
           SELECT coalesce(array_agg(event_id), '{}') FROM ins""",
        consumer, [p.event.id for p in batch], [p.topic for p in batch], [p.partition for p in batch],
        [p.offset for p in batch]))
    rows = Rows()
    seen: set[str] = set()
    for item in batch:
        if item.event.id in fresh and item.event.id not in seen:
            seen.add(item.event.id)
            rows.extend(project(item.event))
    await write_rows(conn, rows)
    ends: dict[tuple[str, int], int] = {}
    for item in batch:
        key = (item.topic, item.partition)
        ends[key] = max(ends.get(key, 0), item.offset + 1)
    await conn.execute(
        """INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
           SELECT $1, u.t, u.p, u.o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
           ON CONFLICT (consumer, topic, partition) DO UPDATE
           SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)""",
        consumer, [k[0] for k in ends], [k[1] for k in ends], list(ends.values()))
    return len(seen)
