"""`loanflow collections what-if`: read the recorded case streams from collections' event store (read-only)
or from its topic (`--source topics`), and replay them through a candidate policy in memory
(domain/whatif.py). Nothing is written anywhere.

A case the candidate decides otherwise than recorded is re-decided through the aggregate; its letters go
where the live decision's would (the borrower's first address its case has not recorded invalid, else
skipped `no_valid_address`), so the loan directory of just those cases is read: from collections' loan
directory (stores) or from `loan.disbursed` on origination's topic (topics) — what the live directory is
made of. A case that follows its record needs none (the champion: no directory read at all)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from services.collections.adapters import directory
from services.collections.adapters.policy_file import load_policy
from services.collections.adapters.topic_history import read_topic
from services.collections.config import CollectionsSettings
from services.collections.domain import history
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules
from services.collections.domain.whatif import Followed, Recorded, Replay, follow
from services.collections.domain.whatif_decode import decode, read_day
from services.collections.domain.whatif_report import Capacity, report
from shared.contracts import collections as ev
from shared.contracts.origination import LoanDisbursed
from shared.contracts.registry import upcast

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
    """The case streams of the period read and replayed under the candidate (what the CLI and the bench run);
    the cases it re-decides with their loans' directory entries."""
    with gc_paused():
        followed = follow(await recorded_streams(conn, start, end), candidate, rules, end)
        wanted = followed.loans_to_redecide
        if not wanted:
            return followed.finish(start)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            loans = await directory.get_many(conn, wanted)
        return followed.finish(start, {loan_id: _decoded(entry) for loan_id, entry in loans.items()})


def _decoded(entry: dict[str, Any]) -> dict[str, Any]:
    """A directory row's JSON columns as Python values (the CLI's plain connection has no JSON codec)."""
    return {k: orjson.loads(v) if k in ("borrower", "contacts", "guarantor") and isinstance(v, str) else v
            for k, v in entry.items()}


async def topic_directory(bootstrap: str, topic: str, loan_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The directory entries of these loans from `loan.disbursed` on origination's topic (the latest of each,
    as the live directory keeps it); a loan not disbursed there is absent."""
    wanted = set(loan_ids)
    envelopes = await read_topic(bootstrap, topic, lambda e: e.get("type") == "loan.disbursed"
                                 and (e.get("data") or {}).get("loan_id") in wanted)
    out: dict[str, dict[str, Any]] = {}
    for e in envelopes:
        data = LoanDisbursed.model_validate(upcast(e["type"], e.get("dataschemaversion", 1), e["data"]))
        out[data.loan_id] = directory.entry(data)
    return out


async def replay_topics(topic: tuple[str, str], origination_topic: str, candidate: Policy, rules: CaseRules,
                        start: date, end: date) -> Replay:
    """`replay_period` from the topics: collections' for the case streams, origination's for the directory."""
    with gc_paused():
        followed: Followed = follow(await topic_streams(*topic, start, end), candidate, rules, end)
    wanted = followed.loans_to_redecide
    loans = await topic_directory(topic[0], origination_topic, wanted) if wanted else None
    with gc_paused():
        return followed.finish(start, loans)


async def what_if(dsn: str, policy_path: Path, start: date, end: date, settings: CollectionsSettings,
                  calls_per_collector_per_day: int, *, source: str = "stores",
                  topic: tuple[str, str] | None = None, origination_topic: str | None = None) -> dict[str, Any]:
    """The what-if report of the candidate policy over the period, from the collections database at `dsn`
    (`source="stores"`) or from collections' topic (`source="topics"`, `topic` = (bootstrap, topic name); the
    loan directory of re-decided cases from `origination_topic`, default: origination's topic beside it)."""
    if start > end:
        raise ValueError("'--from' must not be after '--to'")
    if source not in ("stores", "topics"):
        raise ValueError(f"unknown source {source!r}; use 'stores' or 'topics'")
    candidate = load_policy(policy_path)
    if source == "topics":
        if topic is None or not topic[0]:
            raise ValueError("--source topics needs the broker (LOANFLOW_KAFKA_BOOTSTRAP or a running system)")
        origination = origination_topic or f"{topic[1].rsplit('.', 1)[0]}.origination"
        replayed = await replay_topics(topic, origination, candidate, settings.case_rules(), start, end)
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
