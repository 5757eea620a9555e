"""A loan's timeline: every event about it, from all services, in causal order."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class LoggedEvent:
    event_id: str
    type: str
    source: str
    subject: str
    sequence: int
    businessdate: date
    time: datetime
    causationid: str | None
    correlationid: str | None
    actor: str
    data: dict[str, Any]


def causal_order(events: list[LoggedEvent]) -> list[LoggedEvent]:
    """Events ordered so that every event comes after the event that caused it.

    Among events free to go next, the earliest by (business date, time, stream sequence)
    goes first, so the answer is the same whatever order the events were delivered in.
    """
    by_id = {e.event_id: e for e in events}

    def key(e: LoggedEvent) -> tuple[Any, ...]:
        return (e.businessdate, e.time, e.source, e.sequence, e.event_id)

    children: dict[str, list[LoggedEvent]] = {}
    ready: list[tuple[tuple[Any, ...], LoggedEvent]] = []
    for e in by_id.values():
        if e.causationid and e.causationid in by_id and e.causationid != e.event_id:
            children.setdefault(e.causationid, []).append(e)
        else:
            heapq.heappush(ready, (key(e), e))
    ordered: list[LoggedEvent] = []
    while ready:
        _, e = heapq.heappop(ready)
        ordered.append(e)
        for child in children.pop(e.event_id, []):
            heapq.heappush(ready, (key(child), child))
    for orphans in children.values():  # causation cycles cannot happen; keep every event anyway
        ordered.extend(sorted(orphans, key=key))
    return ordered


def timeline_item(e: LoggedEvent, causes: dict[str, LoggedEvent | tuple[str, str]]) -> dict[str, Any]:
    """One timeline entry: what happened, when, who did it and which event caused it."""
    cause = causes.get(e.causationid) if e.causationid else None
    caused_by: dict[str, Any] | None = None
    if isinstance(cause, LoggedEvent):
        caused_by = {"event_id": cause.event_id, "type": cause.type, "source": cause.source}
    elif isinstance(cause, tuple):
        caused_by = {"event_id": e.causationid, "type": cause[0], "source": cause[1]}
    elif e.causationid:
        caused_by = {"event_id": e.causationid, "type": None, "source": None}
    return {"event_id": e.event_id, "type": e.type, "source": e.source, "subject": e.subject,
            "sequence": e.sequence, "businessdate": e.businessdate.isoformat(), "time": e.time.isoformat(),
            "actor": e.actor, "caused_by": caused_by, "correlationid": e.correlationid, "data": e.data}
