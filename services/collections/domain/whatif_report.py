"""The what-if report: where the candidate's decisions differ from the recorded ones, per rule, and the
workload by channel and day against the collectors' capacity (pure; see domain/whatif.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.collections.domain.whatif import NOTE, Decided, Replay, workload


@dataclass(frozen=True)
class Capacity:
    """What the collectors can do: calls per collector per day, field visits per collector per month."""

    collectors: int
    calls_per_collector_per_day: int
    visits_per_collector_per_month: int


def _key(d: Decided) -> tuple[str, date, str, str, Any]:
    return d.case_id, d.on, d.rule_id, d.trigger, d.actions


def differences(candidate: list[Decided], recorded: list[Decided]) -> dict[str, dict[str, Any]]:
    """Per rule: decisions alike in both (case, day, trigger and actions), only the candidate's, only recorded."""
    mine, theirs = Counter(map(_key, candidate)), Counter(map(_key, recorded))
    rules = sorted({k[2] for k in mine} | {k[2] for k in theirs})
    out: dict[str, dict[str, Any]] = {}
    for rule in rules:
        only_candidate = sorted((mine - theirs).elements())
        only_recorded = sorted((theirs - mine).elements())
        out[rule] = {"both": sum(min(mine[k], theirs[k]) for k in mine if k[2] == rule),
                     "only_candidate": [_said(k) for k in only_candidate if k[2] == rule],
                     "only_recorded": [_said(k) for k in only_recorded if k[2] == rule]}
    return out


def _said(key: tuple[str, date, str, str, Any]) -> dict[str, Any]:
    case_id, on, _, trigger, actions = key
    return {"case_id": case_id, "on": on.isoformat(), "trigger": trigger, "actions": [dict(a) for a in actions]}


def load(work: Counter[tuple[date, str]], capacity: Capacity) -> dict[str, Any]:
    """Work by day and channel; calls against the day's capacity, visits against the month's."""
    days = sorted({day for day, _ in work})
    call_cap = capacity.collectors * capacity.calls_per_collector_per_day
    by_day = {day.isoformat(): {channel: n for (d, channel), n in sorted(work.items()) if d == day} for day in days}
    visit_target = capacity.collectors * capacity.visits_per_collector_per_month
    visits: Counter[str] = Counter()
    for (day, channel), n in work.items():
        if channel == "visit":
            visits[f"{day:%Y-%m}"] += n
    return {"by_day": by_day,
            "calls_over_capacity": [d.isoformat() for d in days if work[(d, "phone")] > call_cap],
            "call_capacity_per_day": call_cap,
            "visits_by_month": {m: {"visits": n, "target": visit_target}
                                for m, n in sorted(visits.items())}}


def report(result: Replay, capacity: Capacity, start: date, end: date) -> dict[str, Any]:
    """What the candidate would have fired (and when), how it differs per rule, and its workload."""
    def fired(decisions: list[Decided]) -> dict[str, int]:
        return dict(sorted(Counter(d.rule_id for d in decisions).items()))

    return {"from": start.isoformat(), "to": end.isoformat(), "note": NOTE,
            "cases": len({d.case_id for d in result.recorded} | {d.case_id for d in result.candidate}),
            "fired": {"candidate": fired(result.candidate), "recorded": fired(result.recorded)},
            "decisions": [{"case_id": d.case_id, "on": d.on.isoformat(), "rule_id": d.rule_id, "trigger": d.trigger,
                           "actions": [dict(a) for a in d.actions]} for d in result.candidate],
            "differences": differences(result.candidate, result.recorded),
            "workload": {"candidate": load(workload(result.candidate), capacity),
                         "recorded": load(workload(result.recorded), capacity)}}
