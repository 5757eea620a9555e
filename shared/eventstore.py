"""PostgreSQL event store: append-only streams with optimistic concurrency and an outbox.

Each append writes the events and their outbox rows in the caller's transaction, and
NOTIFYs the relay (delivered at commit). `events.position` is the global order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import public_data
from shared.errors import ConcurrencyConflict

NOTIFY_CHANNEL = "loanflow_outbox"


class EventStore(Protocol):
    async def append(self, conn: Any, stream_id: str, events: Sequence[CloudEvent],
                     expected_version: int | None) -> list[CloudEvent]: ...

    async def load(self, conn: Any, stream_id: str) -> list[CloudEvent]: ...


@dataclass(frozen=True)
class StoredEvent:
    position: int
    event: CloudEvent


class PostgresEventStore:
    """Event store on the service's own database; publishes to `topic` through the outbox."""

    def __init__(self, topic: str) -> None:
        self.topic = topic

    async def append(
        self,
        conn: asyncpg.Connection,
        stream_id: str,
        events: Sequence[CloudEvent],
        expected_version: int | None,
        *,
        publish: bool = True,
        key: str | None = None,
    ) -> list[CloudEvent]:
        """Append events at `expected_version` + 1... (None: at the end). Lost race → ConcurrencyConflict.

        Must run inside a transaction; the outbox rows commit or vanish with the events.
        """
        if not events:
            return []
        if expected_version is None:
            current = await conn.fetchval(
                "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id)
        else:
            current = expected_version
        stamped = [e.model_copy(update={"sequence": current + i + 1}) for i, e in enumerate(events)]
        try:
            positions = await conn.fetch(
                """INSERT INTO events (stream_id, version, event_id, type, envelope)
                   SELECT $1, u.v, u.id, u.t, u.env
                   FROM unnest($2::int[], $3::text[], $4::text[], $5::jsonb[]) AS u(v, id, t, env)
                   RETURNING position""",
                stream_id,
                [e.sequence for e in stamped],
                [e.id for e in stamped],
                [e.type for e in stamped],
                [e.model_dump(mode="json", exclude_none=True) for e in stamped],
            )
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict(stream_id, expected_version) from exc
        if publish:
            await conn.execute(
                """INSERT INTO outbox (position, topic, key, payload)
                   SELECT u.p, $1, u.k, u.b FROM unnest($2::bigint[], $3::text[], $4::bytea[]) AS u(p, k, b)""",
                self.topic,
                [r["position"] for r in positions],
                [key or e.subject for e in stamped],
                [_published_bytes(e) for e in stamped],
            )
            await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return stamped

    async def load(self, conn: asyncpg.Connection, stream_id: str) -> list[CloudEvent]:
        """Every event of a stream, in version order."""
        rows = await conn.fetch(
            "SELECT envelope FROM events WHERE stream_id = $1 ORDER BY version", stream_id)
        return [CloudEvent.model_validate(r["envelope"]) for r in rows]

    async def version(self, conn: asyncpg.Connection, stream_id: str) -> int:
        return int(await conn.fetchval(
            "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id))

    async def read_all(self, conn: asyncpg.Connection, after_position: int = 0,
                       limit: int = 1000) -> list[StoredEvent]:
        """Events in global order after a position (export for replays)."""
        rows = await conn.fetch(
            "SELECT position, envelope FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position, limit)
        return [StoredEvent(r["position"], CloudEvent.model_validate(r["envelope"])) for r in rows]


def _published_bytes(event: CloudEvent) -> bytes:
    masked = public_data(event.type, event.data)
    if masked is not event.data:
        event = event.model_copy(update={"data": masked})
    return event.to_json_bytes()
