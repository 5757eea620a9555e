"""Append events to many streams in one multi-row statement (day-close).

Writes exactly what `shared.eventstore.PostgresEventStore.append` writes: one `events`
row per event (envelope = the CloudEvent as JSON, `sequence` = stream version) and one
`outbox` row (payload = the CloudEvent JSON bytes, key = the loan id), then NOTIFYs the
relay. Callers pass the versions; a lost race raises ConcurrencyConflict.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from shared.errors import ConcurrencyConflict
from shared.eventstore import NOTIFY_CHANNEL


@dataclass(frozen=True)
class PendingEvent:
    """One event to append: its stream and version, and the CloudEvent as a JSON-ready dict."""

    stream_id: str
    version: int
    key: str
    envelope: dict[str, Any]


def envelope(*, source: str, type: str, subject: str, data: dict[str, Any], sequence: int, businessdate: date,
             time: datetime, correlationid: str | None = None, dataschemaversion: int = 1) -> dict[str, Any]:
    """A CloudEvent as `CloudEvent.model_dump(mode="json", exclude_none=True)` renders it."""
    event_id = str(uuid.uuid4())
    return {
        "specversion": "1.0", "id": event_id, "source": source, "type": type, "subject": subject,
        "time": time.isoformat().replace("+00:00", "Z"), "datacontenttype": "application/json", "data": data,
        "sequence": sequence, "correlationid": correlationid or event_id, "businessdate": businessdate.isoformat(),
        "dataschemaversion": dataschemaversion,
    }


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


async def append_many(conn: asyncpg.Connection, topic: str, pending: Sequence[PendingEvent],
                      batch_rows: int = 20_000) -> int:
    """Insert the events and their outbox rows, `batch_rows` per statement; returns the count."""
    for start in range(0, len(pending), batch_rows):
        chunk = pending[start:start + batch_rows]
        texts = [_json(p.envelope) for p in chunk]
        try:
            positions = await conn.fetch(
                """INSERT INTO events (stream_id, version, event_id, type, envelope)
                   SELECT u.s, u.v, u.id, u.t, u.env::jsonb
                   FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[]) AS u(s, v, id, t, env)
                   RETURNING position""",
                [p.stream_id for p in chunk], [p.version for p in chunk], [p.envelope["id"] for p in chunk],
                [p.envelope["type"] for p in chunk], texts)
        except asyncpg.UniqueViolationError as exc:
            if exc.constraint_name == "events_event_id":
                raise
            raise ConcurrencyConflict("day-close batch", None) from exc
        await conn.execute(
            """INSERT INTO outbox (position, topic, key, payload)
               SELECT u.p, $1, u.k, convert_to(u.b, 'UTF8')
               FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u(p, k, b)""",
            topic, [r["position"] for r in positions], [p.key for p in chunk], texts)
    if pending:
        await conn.execute("SELECT pg_notify($1, '')", NOTIFY_CHANNEL)
    return len(pending)
