"""PostgreSQL event store: append-only streams with optimistic concurrency and an outbox.

Each append writes the events and their outbox rows in the caller's transaction, and
NOTIFYs the relay (delivered at commit). `events.position` is the global order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

import asyncpg

from shared.contracts.envelope import CloudEvent
from shared.contracts.registry import latest_version, public_data
from shared.errors import ConcurrencyConflict

NOTIFY_CHANNEL = "loanflow_outbox"

# One round trip per append, one stream or many (a consumer's batch): the events, their outbox
# rows and the relay's wake-up (delivered at commit) in one statement, rows in the given order.
# A lost race fails the events INSERT on (stream_id, version).
APPEND_PUBLISHED = """WITH ev AS (
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
    SELECT u.s, u.v, u.id, u.t, u.env::jsonb
    FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS u(s, v, id, t, env, n)
    ORDER BY u.n"""


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
        stamped = _stamped(events, current)
        await self._write(conn, [(stream_id, e) for e in stamped], publish=publish, key=key,
                          conflict=lambda: ConcurrencyConflict(stream_id, expected_version))
        return stamped

    async def append_many(self, conn: asyncpg.Connection,
                          batches: Sequence[tuple[str, int, Sequence[CloudEvent]]]) -> dict[str, list[CloudEvent]]:
        """Append (stream id, expected version, events) for many streams in one statement, published.

        Returns the stamped events per stream. A lost race on any stream → ConcurrencyConflict
        naming the streams (the caller's transaction is then unusable, as with `append`).
        """
        stamped = {stream_id: _stamped(events, expected) for stream_id, expected, events in batches}
        rows = [(stream_id, e) for stream_id, events in stamped.items() for e in events]
        if rows:
            await self._write(conn, rows, publish=True, key=None,
                              conflict=lambda: ConcurrencyConflict(", ".join(sorted(stamped))[:200], None))
        return stamped

    async def _write(self, conn: asyncpg.Connection, rows: list[tuple[str, CloudEvent]], *, publish: bool,
                     key: str | None, conflict: Callable[[], ConcurrencyConflict]) -> None:
        """One statement: the events rows (and, published, the outbox rows and the relay's NOTIFY)."""
        stored = [e.to_json_bytes() for _, e in rows]  # serialised once: JSONB column and outbox bytes
        columns = ([s for s, _ in rows], [e.sequence for _, e in rows], [e.id for _, e in rows],
                   [e.type for _, e in rows], [b.decode() for b in stored])
        try:
            if publish:
                await conn.fetch(APPEND_PUBLISHED, *columns, self.topic, [key or e.subject for _, e in rows],
                                 [_published_bytes(e, raw) for (_, e), raw in zip(rows, stored, strict=True)],
                                 NOTIFY_CHANNEL)
            else:
                await conn.execute(APPEND_UNPUBLISHED, *columns)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise conflict() from exc

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


class SetAppend:
    """Appends, inside one SQL statement, a set of events a query planned: the set-based twin of `append`.

    The caller's statement supplies a relation `planned` with columns `stream_id`, `version`, `type`,
    `subject`, `key` (the record key) and `data` (the event data as JSON text), plus any of its own;
    `writes(planned, order_by)` gives the CTEs that number the events (`events.position`, drawn in
    `order_by`), render each envelope and write the `events` and `outbox` rows — as `append` writes
    them: the envelope is the text `CloudEvent.to_json_bytes` renders (the template below is cut from
    that rendering), the outbox payload is masked by the same rule (`_publishes_as_stored`: a type
    with fields masked on publish cannot be appended set-based, so nothing leaves unmasked), a lost
    race is ConcurrencyConflict, and the relay is woken at commit. Its CTE `staged` keeps the caller's
    columns with `position` and `event_id`, for the caller's own writes.
    """

    MARKS = {"id": "<<id>>", "type": "<<type>>", "subject": "<<subject>>"}
    DATA, SEQUENCE = "<<data>>", 987654321987

    def __init__(self, store: PostgresEventStore, types: Sequence[str], *, source: str, time: datetime,
                 businessdate: date, correlationid: str, causationid: str | None = None,
                 first_param: int = 1) -> None:
        refused = [t for t in types if not _publishes_as_stored(t)]
        if refused:
            raise ValueError(f"{', '.join(refused)} mask fields on publish: append them with append()")
        versions = {latest_version(t) for t in types}
        if len(versions) != 1 or any(not t.replace(".", "").replace("_", "").isalnum() for t in types):
            raise ValueError("a set-based append takes plain event types of one data schema version")
        template = CloudEvent(
            id=self.MARKS["id"], source=source, type=self.MARKS["type"], subject=self.MARKS["subject"], time=time,
            data={self.DATA: 0}, sequence=self.SEQUENCE, correlationid=correlationid, causationid=causationid,
            businessdate=businessdate, dataschemaversion=versions.pop()).to_json_bytes().decode()
        slots = {'"' + self.MARKS["id"] + '"': "'\"' || s.event_id || '\"'",  # a uuid: nothing to escape
                 '"' + self.MARKS["type"] + '"': "'\"' || s.type || '\"'",  # checked above: nothing to escape
                 '"' + self.MARKS["subject"] + '"': "to_json(s.subject)::text",
                 '{"' + self.DATA + '":0}': "s.data", str(self.SEQUENCE): "s.version::text"}
        self.segments: list[str] = []
        self._expression: list[str] = []
        rest = template
        for mark, expression in sorted(slots.items(), key=lambda m: template.index(m[0])):
            before, found, rest = rest.partition(mark)
            assert found and mark not in rest, f"the envelope template holds {mark} once"
            self.segments.append(before)
            self._expression.append(expression)
        self.segments.append(rest)
        self.store = store
        self.first_param = first_param

    def args(self) -> list[Any]:
        """The statement's parameters from `first_param` on: the envelope's segments, then the topic."""
        return [*self.segments, self.store.topic]

    def envelope_sql(self) -> str:
        """The SQL expression of one event's envelope (JSON text) over the row `s` of `planned`."""
        n = self.first_param
        sql = f"${n}::text"
        for i, expression in enumerate(self._expression, start=1):
            sql += f" || {expression} || ${n + i}::text"
        return sql

    def writes(self, planned: str, order_by: str) -> str:
        """CTEs `staged` (numbered, rendered), `inserted` (events) and `published` (outbox)."""
        topic = f"${self.first_param + len(self.segments)}::text"
        return f"""staged AS MATERIALIZED (
    SELECT nextval('events_position_seq'::regclass) AS position, s.*, {self.envelope_sql()} AS envelope
    FROM (SELECT p.*, gen_random_uuid()::text AS event_id FROM {planned} p ORDER BY {order_by}) s
), inserted AS (
    INSERT INTO events (position, stream_id, version, event_id, type, envelope)
    SELECT position, stream_id, version, event_id, type, envelope::jsonb FROM staged
    RETURNING 1
), published AS (
    INSERT INTO outbox (position, topic, key, payload)
    SELECT position, {topic}, key, convert_to(envelope, 'UTF8') FROM staged
    RETURNING 1
)"""

    COUNTS = "(SELECT count(*) FROM inserted) AS events, (SELECT count(*) FROM published) AS published"

    async def run(self, conn: asyncpg.Connection, statement: str, *args: Any) -> asyncpg.Record:
        """Run the caller's statement (its final SELECT includes `COUNTS`); lost race → ConcurrencyConflict."""
        try:
            row = await conn.fetchrow(statement, *args)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict("set-based append", None) from exc
        assert row is not None
        if row["events"]:
            await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
        return row


def _stamped(events: Sequence[CloudEvent], current: int) -> list[CloudEvent]:
    """The events numbered from `current` + 1 (their `sequence` is the stream version)."""
    return [e.model_copy(update={"sequence": current + i + 1}) for i, e in enumerate(events)]


def _publishes_as_stored(event_type: str) -> bool:
    """The one masking rule of both append paths: a type whose data masks no field on publish is
    published exactly as stored; any other gets a masked copy (`public_data`)."""
    return public_data(event_type, _PROBE) is _PROBE


_PROBE: dict[str, Any] = {}


def _published_bytes(event: CloudEvent, stored: bytes | None = None) -> bytes:
    """The outbox payload: the stored bytes themselves unless a field is masked on publish."""
    masked = public_data(event.type, event.data)
    if masked is event.data:
        return stored if stored is not None else event.to_json_bytes()
    return event.model_copy(update={"data": masked}).to_json_bytes()
