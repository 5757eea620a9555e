"""The supervisor's board from the open cases and reporting's collections figures (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.workbench.domain.queue import days_since_contact, promise_due

SPECIAL_QUEUES = ("fraud", "deceased", "estate", "legal", "agency")
UNTOUCHED_DAYS = 30  # DOMAIN.md / CONTRACT.md: cases with no contact for 30+ days


@dataclass
class Caseload:
    collector: str
    open_cases: int = 0
    by_stage: dict[str, int] = field(default_factory=lambda: {"front": 0, "mid": 0, "back": 0})
    amount_overdue: Decimal = Decimal(0)
    untouched: int = 0
    complaints: int = 0  # complaints open on the collector's cases
    contacted_today: int = 0  # cases with a contact attempt on the collectors' calendar day
    never_contacted: int = 0
    promises_due: int = 0  # open promises whose date has come (the business date)
    figures: Mapping[str, Any] = field(default_factory=dict)  # reporting's per-collector figures this month

    @property
    def promise_kept_rate(self) -> Decimal | None:
        """Kept / (kept + broken) this month; None before any promise was judged."""
        promises = self.figures.get("promises") or {}
        judged = int(promises.get("kept") or 0) + int(promises.get("broken") or 0)
        return Decimal(int(promises.get("kept") or 0)) / judged if judged else None


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except ArithmeticError:
        return Decimal(0)


def days_untouched(case: Mapping[str, Any], as_of: date) -> int | None:
    """Whole days from the last contact (never contacted: the opening) to `as_of`; None if neither is known."""
    last, opened = case.get("last_contact_at"), case.get("opened_on")
    try:
        since = datetime.fromisoformat(str(last)).date() if last else date.fromisoformat(str(opened))
    except ValueError:
        return None
    return max(0, (as_of - since).days)


def is_untouched(case: Mapping[str, Any], as_of: date) -> bool:
    """No contact for UNTOUCHED_DAYS+ days; a case opened fewer days ago cannot be (it was never due one)."""
    days = days_untouched(case, as_of)
    return days is not None and days >= UNTOUCHED_DAYS


def caseloads(cases: Sequence[Mapping[str, Any]], figures: Mapping[str, Any] | None,
              as_of: date, today: date | None = None) -> list[Caseload]:
    """One row per collector: open cases by stage, overdue, untouched 30+ days (to `as_of`, the business
    date), today's work (contacted on `today`, the collectors' calendar day; never contacted; promises due),
    plus this month's figures.

    Collectors with figures but no open case still get a row (they recovered or called this month)."""
    rows: dict[str, Caseload] = {}
    for case in cases:
        who = str(case.get("assignee") or "—")
        row = rows.setdefault(who, Caseload(who))
        row.open_cases += 1
        stage = str(case.get("stage"))
        row.by_stage[stage] = row.by_stage.get(stage, 0) + 1
        row.amount_overdue += _amount(case.get("amount_overdue"))
        row.untouched += is_untouched(case, as_of)
        row.complaints += int(case.get("open_complaints") or 0)
        row.contacted_today += today is not None and days_since_contact(case, today) == 0
        row.never_contacted += not case.get("last_contact_at")
        row.promises_due += promise_due(case, as_of)
    per_collector = (figures or {}).get("collectors") or {}
    for who, numbers in per_collector.items():
        rows.setdefault(who, Caseload(who)).figures = numbers
    return sorted(rows.values(), key=lambda r: (-r.open_cases, r.collector))


def waiting_for_decision(cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Disputes and death reports a supervisor or legal must decide, oldest case first."""
    waiting = []
    for case in cases:
        if case.get("disputed"):
            waiting.append({"what": "dispute", "case": case})
        if case.get("special_status") == "deceased_reported":
            waiting.append({"what": "death_report", "case": case})
        if case.get("write_off_proposed") and not case.get("write_off_decided"):
            waiting.append({"what": "write_off", "case": case})
    return sorted(waiting, key=lambda w: str(w["case"].get("opened_on")))


def special_queues(cases: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """The fraud, deceased, estate, legal and agency queues' open cases (largest overdue first)."""
    queues: dict[str, list[Mapping[str, Any]]] = {q: [] for q in SPECIAL_QUEUES}
    for case in cases:
        if case.get("queue") in queues:
            queues[str(case["queue"])].append(case)
    for items in queues.values():
        items.sort(key=lambda c: _amount(c.get("amount_overdue")), reverse=True)
    return queues


def pick(cases: Sequence[Mapping[str, Any]], *, collector: str | None, queue: str | None,
         stage: str | None) -> list[Mapping[str, Any]]:
    """The cases the reassign table lists (by collector, queue, stage), largest overdue first."""
    chosen = [c for c in cases if (not collector or c.get("assignee") == collector)
              and (not queue or c.get("queue") == queue) and (not stage or c.get("stage") == stage)]
    return sorted(chosen, key=lambda c: _amount(c.get("amount_overdue")), reverse=True)
