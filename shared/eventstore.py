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

# One round trip per append: events, their outbox rows and the relay's wake-up (delivered at
# commit) in one statement. A lost race fails the events INSERT on (stream_id, version).
APPEND_PUBLISHED = """WITH ev AS (
    INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(v, id, t, env)
    RETURNING position, version
), ob AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT ev.position, $6, u.k, u.b FROM ev JOIN unnest($2::int[], $7::text[], $8::bytea[]) AS u(v, k, b)
        ON u.v = ev.version
)
SELECT ev.position, pg_notify($9, '') FROM ev ORDER BY ev.version"""

# Many streams in one statement (a consumer's batch, a day-close): rows in the given order.
APPEND_MANY = """WITH ev AS (
    INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT u.s, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(s, v, id, t, env, n)
    ORDER BY u.n
    RETURNING position, event_id
), ob AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT ev.position, $6, u.k, u.b FROM ev JOIN unnest($3::text[], $7::text[], $8::bytea[]) AS u(id, k, b)
        ON u.id = ev.event_id
    ORDER BY ev.position
)
SELECT count(*), pg_notify($9, '') FROM ev"""

APPEND_UNPUBLISHED = """INSERT INTO events (stream_id, version, event_id, type, envelope)
    SELECT $1, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(v, id, t, env)"""


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
        stored = [e.to_json_bytes() for e in stamped]  # serialised once: JSONB column and outbox bytes
        columns = ([e.sequence for e in stamped], [e.id for e in stamped], [e.type for e in stamped],
                   [b.decode() for b in stored])
        try:
            if publish:
                await conn.fetch(APPEND_PUBLISHED, stream_id, *columns, self.topic,
                                 [key or e.subject for e in stamped],
                                 [_published_bytes(e, raw) for e, raw in zip(stamped, stored, strict=True)],
                                 NOTIFY_CHANNEL)
            else:
                await conn.execute(APPEND_UNPUBLISHED, stream_id, *columns)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict(stream_id, expected_version) from exc
        return stamped

    async def append_many(self, conn: asyncpg.Connection,
                          batches: Sequence[tuple[str, int, Sequence[CloudEvent]]]) -> dict[str, list[CloudEvent]]:
        """Append (stream id, expected version, events) for many streams in one statement, published.

        Returns the stamped events per stream. A lost race on any stream → ConcurrencyConflict
        naming the streams (the caller's transaction is then unusable, as with `append`).
        """
        stamped: dict[str, list[CloudEvent]] = {}
        rows: list[tuple[str, CloudEvent, bytes]] = []
        for stream_id, expected, events in batches:
            out = [e.model_copy(update={"sequence": expected + i + 1}) for i, e in enumerate(events)]
            stamped[stream_id] = out
            rows += [(stream_id, e, e.to_json_bytes()) for e in out]
        if not rows:
            return stamped
        try:
            await conn.fetch(APPEND_MANY, [s for s, _, _ in rows], [e.sequence for _, e, _ in rows],
                             [e.id for _, e, _ in rows], [e.type for _, e, _ in rows], [b.decode() for _, _, b in rows],
                             self.topic, [e.subject for _, e, _ in rows],
                             [_published_bytes(e, raw) for _, e, raw in rows], NOTIFY_CHANNEL)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict(", ".join(sorted(stamped))[:200], None) from exc
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


def _published_bytes(event: CloudEvent, stored: bytes | None = None) -> bytes:
    """The outbox payload: the stored bytes themselves unless a field is masked on publish."""
    masked = public_data(event.type, event.data)
    if masked is event.data:
        return stored if stored is not None else event.to_json_bytes()
    return event.model_copy(update={"data": masked}).to_json_bytes()
