"""Collections report: recovered, promise-kept rate, cure rate per stage, activity, collectors, regions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.domain.book import ZERO, ratio
from services.reporting.domain.reach import OpenCase, is_valid_visit, reason_counts, target_in_force, untouched_cases

CHANNELS = {"phone": "calls", "letter": "letters", "visit": "visits", "sms": "sms"}
CURED = ("cured", "paid_off")


@dataclass(frozen=True)
class Activity:
    """One thing that happened in collections within the period, tied to a loan and a collector."""

    loan_id: str
    kind: str  # contact | promise | recovery | complaint | time_barred | qa_review | qa_finding
    collector: str | None = None
    channel: str | None = None
    outcome: str | None = None
    amount: Decimal = ZERO
    commission: Decimal = ZERO
    reason: str | None = None  # a contact's reason for being late
    via: str = "collector"  # a recovery's channel: collector, legal, or agency (credited to no collector)
    visit_target: int | None = None  # a visit's monthly target in force


@dataclass
class CaseHistory:
    """A case's stages over time: (business date, stage) in order, and how it ended."""

    case_id: str
    loan_id: str
    stages: list[tuple[date, str]] = field(default_factory=list)
    resolved_on: date | None = None
    resolution: str | None = None


def is_complaint(outcome: str | None) -> bool:
    """A contact whose outcome is a complaint or dispute (DOMAIN.md §3: kept apart from the debt)."""
    if not outcome:
        return False
    return any(word in outcome.lower() for word in ("complaint", "dispute"))


def signed_notice(activity: Activity) -> bool:
    """A collection notice signed back (签回催收通知书): collections' `notice_signed` contact outcome."""
    return activity.kind == "contact" and activity.outcome == "notice_signed"


def _figures(items: list[Activity]) -> dict[str, Any]:
    counts = {name: 0 for name in CHANNELS.values()}
    promises = {"made": 0, "kept": 0, "broken": 0}
    recovered = commission = ZERO
    complaints = time_barred = qa_reviewed = qa_findings = 0
    for a in items:
        if a.kind == "contact":
            name = CHANNELS.get(a.channel or "", "other")
            counts[name] = counts.get(name, 0) + 1
            complaints += is_complaint(a.outcome)
        elif a.kind == "promise" and a.outcome in promises:
            promises[a.outcome] += 1
        elif a.kind == "recovery":
            recovered += a.amount
            commission += a.commission
        elif a.kind == "complaint":
            complaints += 1
        elif a.kind == "time_barred":
            time_barred += 1
        elif a.kind == "qa_review":
            qa_reviewed += 1
        elif a.kind == "qa_finding":
            qa_findings += 1
    return {"recovered": recovered, "commission": commission, "activity": counts, "promises": promises,
            "promise_kept_rate": ratio(promises["kept"], promises["kept"] + promises["broken"]),
            "complaints": complaints, "time_barred_cases": time_barred, "qa_reviewed": qa_reviewed,
            "qa_findings": qa_findings}


def cure_rates(cases: list[CaseHistory], start: date, end: date) -> dict[str, dict[str, Any]]:
    """Per stage: cases worked in it during [start, end], how many were cured from it then.

    DOMAIN.md §4: "cure and roll between stages". A case is worked in a stage when that
    stage's span overlaps the period; it is cured from the stage when it was resolved
    (cured or paid off) within the period while in that stage.
    """
    worked: dict[str, int] = {"front": 0, "mid": 0, "back": 0}
    cured: dict[str, int] = {"front": 0, "mid": 0, "back": 0}
    for case in cases:
        spans = []
        for i, (since, stage) in enumerate(case.stages):
            until = case.stages[i + 1][0] if i + 1 < len(case.stages) else case.resolved_on
            spans.append((since, until, stage))
        for stage in {stage for since, until, stage in spans if since <= end and (until is None or until >= start)}:
            worked[stage] = worked.get(stage, 0) + 1
        if (case.resolution in CURED and case.resolved_on is not None and start <= case.resolved_on <= end
                and spans):
            cured[spans[-1][2]] = cured.get(spans[-1][2], 0) + 1
    return {stage: {"worked": worked.get(stage, 0), "cured": cured.get(stage, 0),
                    "rate": ratio(cured.get(stage, 0), worked.get(stage, 0))}
            for stage in sorted(set(worked) | set(cured), key=_stage_order)}


def _spans(case: CaseHistory) -> list[tuple[date, date | None, str]]:
    """(since, until, stage) for each stage the case was in; `until` None while it still is."""
    spans = []
    for i, (since, stage) in enumerate(case.stages):
        until = case.stages[i + 1][0] if i + 1 < len(case.stages) else case.resolved_on
        spans.append((since, until, stage))
    return spans


def stage_rolls(cases: list[CaseHistory], start: date, end: date) -> dict[str, dict[str, Any]]:
    """Per stage with a later one: cases worked in it during [start, end], how many rolled on then.

    DOMAIN.md §4: "cure and roll between stages". Worked as in `cure_rates`; a case rolled
    from a stage when it entered a later stage (front -> mid, mid -> back, or further) within
    the period. Back is the last stage, so it has no roll.
    """
    out: dict[str, dict[str, Any]] = {}
    for stage, later in (("front", "mid"), ("mid", "back")):
        worked = rolled = 0
        for case in cases:
            spans = _spans(case)
            for i, (since, until, name) in enumerate(spans):
                if name != stage or not (since <= end and (until is None or until >= start)):
                    continue
                worked += 1
                moved_on = i + 1 < len(spans) and _stage_order(spans[i + 1][2]) > _stage_order(stage)
                if moved_on and until is not None and start <= until <= end:
                    rolled += 1
                break
        out[stage] = {"worked": worked, "rolled": rolled, "to": later, "rate": ratio(rolled, worked)}
    return out


def _stage_order(stage: str) -> tuple[int, str]:
    order = {"front": 0, "mid": 1, "back": 2}
    return (order.get(stage, 3), stage)


def collections_report(start: date, end: date, activities: list[Activity], cases: list[CaseHistory],
                       regions: dict[str, str | None], households: dict[str, str],
                       group_by: str | None = None, open_cases: list[OpenCase] | None = None,
                       visit_target: int = 25) -> dict[str, Any]:
    """The collections figures for business days `start`..`end` (DOMAIN.md §3 and §4; issue 14's reach)."""
    per_collector: dict[str, list[Activity]] = defaultdict(list)
    for a in activities:
        if a.kind == "recovery" and a.via == "agency":
            continue  # an agency's recovery earns its fee (the agencies section), not a collector's commission
        per_collector[a.collector or "unassigned"].append(a)
    report: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(), **_figures(activities),
                              "notices_signed": len({households.get(a.loan_id, a.loan_id)
                                                     for a in activities if signed_notice(a)}),
                              "cure_rate": cure_rates(cases, start, end),
                              "stage_roll": stage_rolls(cases, start, end),
                              "delinquency_reasons": reason_counts([a.reason for a in activities
                                                                    if a.kind == "contact"]),
                              "untouched_cases": untouched_cases(open_cases or [], end),
                              "collectors": {name: _collector(items, visit_target)
                                             for name, items in sorted(per_collector.items())}}
    if group_by == "region":
        per_region: dict[str, list[Activity]] = defaultdict(list)
        for a in activities:
            per_region[regions.get(a.loan_id) or "unknown"].append(a)
        report["regions"] = {region: {**_figures(items),
                                      "households": len({households.get(a.loan_id, a.loan_id) for a in items}),
                                      "notices_signed": len({households.get(a.loan_id, a.loan_id)
                                                             for a in items if signed_notice(a)})}
                             for region, items in sorted(per_region.items())}
    return report


def _collector(items: list[Activity], default_target: int) -> dict[str, Any]:
    figures = _figures(items)
    visits = [a for a in items if a.kind == "contact" and a.channel == "visit"]
    return {"recovered": figures["recovered"], "commission": figures["commission"], **figures["activity"],
            "valid_visits": sum(is_valid_visit(a.channel, a.outcome) for a in visits),
            "visit_target": target_in_force([a.visit_target for a in visits], default_target),
            "promises": figures["promises"], "complaints": figures["complaints"],
            # the notes' balance of results and conduct: "zero complaints, zero QA findings" beside recovered
            "qa_reviewed": figures["qa_reviewed"], "qa_findings": figures["qa_findings"]}
