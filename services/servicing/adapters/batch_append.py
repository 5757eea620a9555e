"""Append events to many streams in one multi-row statement (day-close).

Writes exactly what `shared.eventstore.PostgresEventStore.append` writes: one `events`
row per event (envelope = the CloudEvent as JSON, `sequence` = stream version) and one
`outbox` row (payload = the CloudEvent JSON bytes, key = the loan id), then NOTIFYs the
relay. Callers pass the versions; a lost race raises ConcurrencyConflict.
"""

from __future__ import annotations

import json
import os
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


class Envelopes:
    """Builds CloudEvents as `CloudEvent.model_dump(mode="json", exclude_none=True)` renders them,
    for one batch sharing source, time, business date and correlation id (rendered once)."""

    def __init__(self, *, source: str, time: datetime, businessdate: date, correlationid: str) -> None:
        self.source = source
        self.time = time.isoformat().replace("+00:00", "Z")
        self.businessdate = businessdate.isoformat()
        self.correlationid = correlationid
        self._ids: list[str] = []

    def _next_id(self) -> str:
        if not self._ids:  # one getrandom call per 1024 ids instead of one per event
            self._ids = [_uuid4_text(h) for h in _hex_chunks(os.urandom(16 * 1024).hex())]
        return self._ids.pop()

    def make(self, type: str, subject: str, data: dict[str, Any], sequence: int) -> dict[str, Any]:
        return {
            "specversion": "1.0", "id": self._next_id(), "source": self.source, "type": type, "subject": subject,
            "time": self.time, "datacontenttype": "application/json", "data": data, "sequence": sequence,
            "correlationid": self.correlationid, "businessdate": self.businessdate, "dataschemaversion": 1,
        }


def _hex_chunks(hx: str) -> list[str]:
    return [hx[i:i + 32] for i in range(0, len(hx), 32)]


def _uuid4_text(h: str) -> str:
    """Random hex as UUID version 4 text (version nibble 4, RFC 4122 variant)."""
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(value: dict[str, Any]) -> str:
    return _encode(value)


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
