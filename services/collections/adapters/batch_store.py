"""Append events to many case streams in a few statements (day-close touches many cases).

Writes what `shared.eventstore.PostgresEventStore.append` writes: an `events` row per
event (envelope = the CloudEvent JSON, `sequence` = stream version) and an `outbox` row
(key = loan id, payload = the published CloudEvent bytes), then NOTIFYs the relay.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from shared.contracts import CloudEvent
from shared.contracts.registry import public_data
from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL


async def append_streams(conn: asyncpg.Connection, topic: str,
                         batches: Sequence[tuple[str, int, Sequence[CloudEvent]]]) -> dict[str, list[CloudEvent]]:
    """Append (stream id, expected version, events) for many streams; returns the stamped events per stream."""
    stamped: dict[str, list[CloudEvent]] = {}
    rows: list[tuple[str, CloudEvent]] = []
    for stream_id, expected, events in batches:
        out = [e.model_copy(update={"sequence": expected + i + 1}) for i, e in enumerate(events)]
        stamped[stream_id] = out
        rows += [(stream_id, e) for e in out]
    if not rows:
        return stamped
    try:
        positions = await conn.fetch(
            """INSERT INTO events (stream_id, version, event_id, type, envelope)
               SELECT u.s, u.v, u.id, u.t, u.env
               FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::jsonb[]) AS u(s, v, id, t, env)
               RETURNING event_id, position""",
            [s for s, _ in rows], [e.sequence for _, e in rows], [e.id for _, e in rows], [e.type for _, e in rows],
            [e.model_dump(mode="json", exclude_none=True) for _, e in rows])
    except asyncpg.UniqueViolationError as exc:
        if exc.constraint_name == "events_event_id":
            raise
        raise ConcurrencyConflict(", ".join(sorted(stamped))[:200], None) from exc
    position = {r["event_id"]: r["position"] for r in positions}
    await conn.execute(
        """INSERT INTO outbox (position, topic, key, payload)
           SELECT u.p, $1, u.k, u.b FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS u(p, k, b)
           ORDER BY u.p""",
        topic, [position[e.id] for _, e in rows], [e.subject for _, e in rows], [_published(e) for _, e in rows])
    await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return stamped


def _published(event: CloudEvent) -> bytes:
    data = public_data(event.type, event.data)
    return (event if data is event.data else event.model_copy(update={"data": data})).to_json_bytes()
