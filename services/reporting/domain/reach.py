"""Reaching the borrower (issue 14): valid visits against the target, why borrowers are late, untouched cases."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, get_args

from shared.contracts.collections import VALID_VISIT_OUTCOMES, DelinquencyReason

UNTOUCHED_DAYS = 30  # DOMAIN.md §3 / issue 14: no contact for 30 days or more
REASONS = get_args(DelinquencyReason)


def is_valid_visit(channel: str | None, outcome: str | None) -> bool:
    """A visit that reached the household (met the borrower or family), not an invalid address or a move."""
    return channel == "visit" and outcome in VALID_VISIT_OUTCOMES


def target_in_force(carried: list[int | None], default: int) -> int:
    """The monthly visit target: the latest one collections' visit events carried, else the setting."""
    known = [t for t in carried if t is not None]
    return known[-1] if known else default


def reason_counts(reasons: list[str | None]) -> dict[str, int]:
    """Contacts by the reason recorded for being late, every code named (zero when none); unrecorded left out."""
    counts = Counter(r for r in reasons if r is not None)
    return {code: counts.get(code, 0) for code in (*REASONS, *sorted(set(counts) - set(REASONS)))}


@dataclass(frozen=True)
class OpenCase:
    """A case open at the period's end: when it (last) opened, its last contact, its queue and collector."""

    case_id: str
    opened_on: date
    last_contact_on: date | None
    queue: str | None
    collector: str | None


def untouched_cases(cases: list[OpenCase], end: date, days: int = UNTOUCHED_DAYS) -> dict[str, Any]:
    """Open cases with no contact for `days` or more by `end` (counted from the last contact, else the opening),
    in all, per queue and per collector ("unassigned" without one)."""
    since = end - timedelta(days=days)
    untouched = [c for c in cases if (c.last_contact_on or c.opened_on) <= since]
    return {"days": days, "total": len(untouched),
            "by_queue": dict(sorted(Counter(c.queue or "unassigned" for c in untouched).items())),
            "by_collector": dict(sorted(Counter(c.collector or "unassigned" for c in untouched).items()))}


STAGE_QUEUES = ("front", "mid", "back")


def open_cases(states: list[tuple[str, date, str, str | None, str | None, str | None]],
               last_contacts: dict[str, date]) -> list[OpenCase]:
    """Fold case-state rows (case id, business date, kind, stage, collector, queue; in order) into the cases
    still open after them. The queue is the stage's on opening, follows the stage on escalation while it is
    a stage queue, and is the assignment's queue after an assignment (as collections keeps it)."""
    latest: dict[str, dict[str, Any]] = {}
    for case_id, day, kind, stage, collector, queue in states:
        case = latest.setdefault(case_id, {"opened_on": day, "queue": None, "collector": None, "open": True})
        if kind == "opened":
            case.update(opened_on=day, queue=stage, open=True)
        elif kind == "escalated" and (case["queue"] in STAGE_QUEUES or case["queue"] is None):
            case["queue"] = stage
        elif kind == "assigned":
            case.update(collector=collector, queue=queue or case["queue"])
        elif kind == "resolved":
            case["open"] = False
    return [OpenCase(case_id, c["opened_on"], last_contacts.get(case_id), c["queue"], c["collector"])
            for case_id, c in latest.items() if c["open"]]
