"""`loanflow collections what-if`: read the recorded case streams from collections' event store (read-only)
or from its topic (`--source topics`), and replay them through a candidate policy in memory
(domain/whatif.py). Nothing is written anywhere."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from services.collections.adapters.policy_file import load_policy
from services.collections.adapters.topic_history import read_topic
from services.collections.config import CollectionsSettings
from services.collections.domain import history
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules
from services.collections.domain.whatif import Recorded, Replay, replay
from services.collections.domain.whatif_decode import decode, read_day
from services.collections.domain.whatif_report import Capacity, report
from shared.contracts import collections as ev

# Case streams with an event in the period, read whole (a case opened earlier is replayed from its opening).
# Only what the replay reads, as text (the data decoded here, by orjson and the derived decoder).
STREAMS = """
SELECT stream_id, envelope->>'type' AS type, coalesce((envelope->>'dataschemaversion')::int, 1) AS schema_version,
       envelope->>'businessdate' AS businessdate, envelope->>'correlationid' AS correlationid,
       (envelope->'data')::text AS data
FROM events
WHERE stream_id IN (SELECT DISTINCT stream_id FROM events
                    WHERE stream_id LIKE 'case-%' AND (envelope->>'businessdate')::date BETWEEN $1 AND $2)
ORDER BY events.stream_id, events.version
"""


async def recorded_streams(conn: asyncpg.Connection, start: date, end: date) -> list[list[Recorded]]:
    """The case streams touching business days `start`..`end`, each in version order, in one read-only snapshot."""
    streams: dict[str, list[Recorded]] = {}
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(STREAMS, start, end)
    loads = orjson.loads
    stream: list[Recorded] = []
    current = None
    for stream_id, type_, version, businessdate, correlationid, data in rows:
        if stream_id != current:
            current, stream = stream_id, streams.setdefault(stream_id, [])
        stream.append(Recorded(decode(type_, version, loads(data)), read_day(businessdate), correlationid))
    return [s for _, s in sorted(streams.items())]  # in case id order, whatever the database's collation


# The event types of a case stream: its opening and those the case fold applies.
CASE_TYPES = frozenset(t.event_type for t in (ev.CaseOpened, *history.DATED, *history.UNDATED))


async def topic_streams(bootstrap: str, topic: str, start: date, end: date) -> list[list[Recorded]]:
    """The case streams touching business days `start`..`end`, read whole from collections' topic (as published:
    personal data masked, which no decision reads), each in the order it was appended, in case id order."""
    envelopes = await read_topic(bootstrap, topic, lambda e: e.get("type") in CASE_TYPES)
    streams: dict[str, list[Recorded]] = {}
    touched: set[str] = set()
    for e in envelopes:
        data = decode(e["type"], e.get("dataschemaversion", 1), e["data"])
        day = read_day(e["businessdate"])
        case_id = data.case_id  # type: ignore[attr-defined]
        streams.setdefault(f"case-{case_id}", []).append(Recorded(data, day, e.get("correlationid")))
        if start <= day <= end:
            touched.add(f"case-{case_id}")
    return [s for stream_id, s in sorted(streams.items()) if stream_id in touched]


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cycle collector off while a history is decoded and replayed (hundreds of thousands of short-lived
    objects, no garbage cycles worth chasing: each full collection would walk every event read so far);
    back on, as it was, afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


async def replay_period(conn: asyncpg.Connection, candidate: Policy, rules: CaseRules, start: date,
                        end: date) -> Replay:
    """The case streams of the period read and replayed under the candidate (what the CLI and the bench run)."""
    with gc_paused():
        return replay(await recorded_streams(conn, start, end), candidate, rules, end, start)


async def what_if(dsn: str, policy_path: Path, start: date, end: date, settings: CollectionsSettings,
                  calls_per_collector_per_day: int, *, source: str = "stores",
                  topic: tuple[str, str] | None = None) -> dict[str, Any]:
    """The what-if report of the candidate policy over the period, from the collections database at `dsn`
    (`source="stores"`) or from collections' topic (`source="topics"`, `topic` = (bootstrap, topic name))."""
    if start > end:
        raise ValueError("'--from' must not be after '--to'")
    if source not in ("stores", "topics"):
        raise ValueError(f"unknown source {source!r}; use 'stores' or 'topics'")
    candidate = load_policy(policy_path)
    if source == "topics":
        if topic is None or not topic[0]:
            raise ValueError("--source topics needs the broker (LOANFLOW_KAFKA_BOOTSTRAP or a running system)")
        with gc_paused():
            replayed = replay(await topic_streams(*topic, start, end), candidate, settings.case_rules(), end, start)
    else:
        conn = await asyncpg.connect(dsn)
        try:
            replayed = await replay_period(conn, candidate, settings.case_rules(), start, end)
        finally:
            await conn.close()
    collectors = len({c for queue in ("front", "mid", "back") for c in settings.roster.get(queue, [])})
    capacity = Capacity(collectors=collectors, calls_per_collector_per_day=calls_per_collector_per_day,
                        visits_per_collector_per_month=settings.visit_target)
    return {"policy_version": candidate.version,
            **report(replayed, capacity, start, end)}
