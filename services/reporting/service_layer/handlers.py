"""Apply events to the read models: one at a time (inbox consumer) or a batch at a time (rebuild)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from services.reporting.adapters.writer import copy_new_events, copy_rows, write_rows
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


@dataclass(frozen=True)
class Projected:
    """An event read from somewhere, with the rows it contributes."""

    item: Positioned
    rows: Rows


def prepare(batch: Sequence[Positioned]) -> list[Projected]:
    """Project each event of a batch (pure CPU work; may run ahead of the writes)."""
    return [Projected(item, project(item.event)) for item in batch]


async def write_prepared(conn: asyncpg.Connection, batch: Sequence[Projected]) -> tuple[int, dict[Any, int]]:
    """Write a projected batch in the caller's transaction: the rows of events not seen before.

    Bulk path: a plain asyncpg connection (no JSON codec) with `create_staging` run on it.

    The event log, keyed by event id, is the ledger: an event already in it is skipped with
    all its rows, so a replay over rows a live consumer wrote meanwhile changes nothing.
    Returns how many events were new and the next offset per (topic, partition) read.
    """
    first: dict[str, Projected] = {}
    for projected in batch:
        first.setdefault(projected.item.event.id, projected)
    fresh = await copy_new_events(conn, [p.rows.of("events")[0] for p in first.values()])
    rows = Rows()
    for event_id in fresh:
        rows.extend(first[event_id].rows)
    rows.tables.pop("events", None)
    await copy_rows(conn, rows)
    ends: dict[Any, int] = {}
    for projected in batch:
        item = projected.item
        key = (item.topic, item.partition)
        ends[key] = max(ends.get(key, 0), item.offset + 1)
    return len(fresh), ends


async def save_positions(conn: asyncpg.Connection, consumer: str, ends: dict[Any, int]) -> None:
    """Record the next offset to read per (topic, partition) for `consumer`, never moving back."""
    await conn.execute(
        """INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
           SELECT $1, u.t, u.p, u.o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
           ON CONFLICT (consumer, topic, partition) DO UPDATE
           SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)""",
        consumer, [k[0] for k in ends], [k[1] for k in ends], list(ends.values()))
