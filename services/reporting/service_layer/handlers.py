"""Apply events to the read models: one at a time (inbox consumer) or a batch at a time (rebuild)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

import asyncpg
import orjson

from services.reporting.adapters.writer import Lines, copy_lines, copy_new_events, copy_rows, lines_of_rows, write_rows
from services.reporting.domain.fastpath import NeedsModel
from services.reporting.domain.fastproject import project_envelope
from services.reporting.domain.projection import project
from shared.contracts import CloudEvent

log = logging.getLogger(__name__)


async def handle_event(conn: asyncpg.Connection, event: CloudEvent) -> None:
    """Inbox-consumer handler: project one event inside the consumer's transaction."""
    await write_rows(conn, project(event))


class Positioned(NamedTuple):
    """An event and where it was read: (topic, partition, offset); partition -1 for an event-store export.

    The event is a `CloudEvent`, or (rebuild) the envelope as a JSON dict or the record's raw bytes.
    """

    event: CloudEvent | dict[str, Any] | bytes
    topic: str
    partition: int
    offset: int


class Projected(NamedTuple):
    """An event read from somewhere: its id, where it was read, and its rows as COPY text lines per table."""

    event_id: str
    item: Positioned
    lines: Lines


def prepare(batch: Sequence[Positioned]) -> list[Projected]:
    """Project each event of a batch (pure CPU work; may run ahead of the writes).

    Envelopes in the shape the services publish take the pydantic-free path; anything else
    (old versions to upcast, unexpected values) goes through `project()`. A record that is
    not a CloudEvent is skipped (the live consumer dead-letters it).
    """
    out: list[Projected] = []
    for item in batch:
        event = item.event
        try:
            raw = None
            if type(event) is bytes:
                raw = event
                try:
                    event = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    event = CloudEvent.from_json_bytes(raw)
            if type(event) is dict:
                try:
                    event_id, rows = project_envelope(event, raw)
                    out.append(Projected(event_id, item, copy_lines(rows)))
                    continue
                except NeedsModel:
                    pass
            if not isinstance(event, CloudEvent):
                event = CloudEvent.model_validate(event)
        except ValueError:
            log.warning("skipping a record that is not a CloudEvent (the live consumer dead-letters it)")
            continue
        out.append(Projected(event.id, item, lines_of_rows(project(event))))
    return out


async def write_prepared(conn: asyncpg.Connection, batch: Sequence[Projected]) -> tuple[int, dict[Any, int]]:
    """Write a projected batch in the caller's transaction: the rows of events not seen before.

    Bulk path: a connection with `create_staging` run on it.

    The event log, keyed by event id, is the ledger: an event already in it is skipped with
    all its rows, so a replay over rows a live consumer wrote meanwhile changes nothing.
    Returns how many events were new and the next offset per (topic, partition) read.
    """
    new, tables, ends = await write_new_events(conn, batch)
    await copy_rows(conn, tables)
    return new, ends


async def write_new_events(conn: asyncpg.Connection, batch: Sequence[Projected]
                           ) -> tuple[int, dict[str, list[str]], dict[Any, int]]:
    """The ledger half of `write_prepared`: event-log rows of the new events.

    Returns how many were new, the other tables' rows of those events (for `copy_rows`, in a
    transaction committed before the positions) and the next offset per (topic, partition).
    """
    first: dict[str, Projected] = {}
    for projected in batch:
        first.setdefault(projected.event_id, projected)
    fresh = await copy_new_events(conn, {event_id: p.lines["events"][0] for event_id, p in first.items()})
    tables: dict[str, list[str]] = {}
    for event_id, projected in first.items():  # in the order read
        if event_id not in fresh:
            continue
        for table, lines in projected.lines.items():
            if table != "events":
                found = tables.get(table)
                if found is None:
                    tables[table] = list(lines)
                else:
                    found.extend(lines)
    ends: dict[Any, int] = {}
    for projected in batch:
        _, topic, partition, offset = projected.item
        if offset >= ends.get((topic, partition), 0):
            ends[(topic, partition)] = offset + 1
    return len(fresh), tables, ends


async def save_positions(conn: asyncpg.Connection, consumer: str, ends: dict[Any, int]) -> None:
    """Record the next offset to read per (topic, partition) for `consumer`, never moving back."""
    await conn.execute(
        """INSERT INTO consumer_positions (consumer, topic, partition, next_offset)
           SELECT $1, u.t, u.p, u.o FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, o)
           ON CONFLICT (consumer, topic, partition) DO UPDATE
           SET next_offset = GREATEST(consumer_positions.next_offset, EXCLUDED.next_offset)""",
        consumer, [k[0] for k in ends], [k[1] for k in ends], list(ends.values()))
