"""`loanflow collections what-if`: read the recorded case streams from collections' event store (read-only)
and replay them through a candidate policy in memory (domain/whatif.py). Nothing is written anywhere."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import asyncpg

from services.collections.adapters.policy_file import load_policy
from services.collections.config import CollectionsSettings
from services.collections.domain.whatif import Recorded, replay
from services.collections.domain.whatif_report import Capacity, report
from shared.contracts import CloudEvent, parse_data

# Case streams with an event in the period, read whole (a case opened earlier is replayed from its opening).
STREAMS = """
SELECT stream_id, envelope FROM events
WHERE stream_id IN (SELECT DISTINCT stream_id FROM events
                    WHERE stream_id LIKE 'case-%' AND (envelope->>'businessdate')::date BETWEEN $1 AND $2)
ORDER BY stream_id, version
"""


async def recorded_streams(conn: asyncpg.Connection, start: date, end: date) -> list[list[Recorded]]:
    """The case streams touching business days `start`..`end`, each in version order, in one read-only snapshot."""
    streams: dict[str, list[Recorded]] = {}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        for row in await conn.fetch(STREAMS, start, end):
            envelope = row["envelope"]
            event = CloudEvent.model_validate_json(envelope) if isinstance(envelope, str) else \
                CloudEvent.model_validate(envelope)
            streams.setdefault(row["stream_id"], []).append(
                Recorded(parse_data(event), event.businessdate, event.correlationid))
    return list(streams.values())


async def what_if(dsn: str, policy_path: Path, start: date, end: date, settings: CollectionsSettings,
                  calls_per_collector_per_day: int) -> dict[str, Any]:
    """The what-if report of the candidate policy over the period, from the collections database at `dsn`."""
    if start > end:
        raise ValueError("'--from' must not be after '--to'")
    candidate = load_policy(policy_path)
    conn = await asyncpg.connect(dsn)
    try:
        streams = await recorded_streams(conn, start, end)
    finally:
        await conn.close()
    collectors = len({c for queue in ("front", "mid", "back") for c in settings.roster.get(queue, [])})
    capacity = Capacity(collectors=collectors, calls_per_collector_per_day=calls_per_collector_per_day,
                        visits_per_collector_per_month=settings.visit_target)
    return {"policy_version": candidate.version,
            **report(replay(streams, candidate, settings.case_rules(), end, start), capacity, start, end)}
