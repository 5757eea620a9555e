"""A collector's queue as the page shows it: filters, paging and today's figures (pure, no I/O).

The collections API orders the queue most urgent first (promise due, stage, amount, oldest
contact); the page keeps that order unless a column is sorted, and narrows it by what collectors
filter on (WORKBENCH.md: DPD range, days since last contact, has a promise) plus stage, and by
today's to-do (promises due, follow-ups due, never contacted, new).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

STAGES = ("front", "mid", "back")
PER_PAGE = (25, 50, 100, 200)
# today's to-do (WORKBENCH.md: "promises due today, new cases, cases never contacted") plus follow-ups due
TODO = ("promises_due", "follow_ups_due", "never_contacted", "new")
# sortable columns; "-" first sorts descending
SORTS = ("dpd", "amount", "last_contact", "promise", "next_action")


@dataclass(frozen=True)
class QueueFilter:
    """What the filter form asked for; bad values are dropped (the form shows them as unset)."""

    stage: str | None = None
    dpd_min: int | None = None
    dpd_max: int | None = None
    has_promise: bool | None = None
    contact_days_min: int | None = None  # no contact for at least this many days (never contacted counts)
    todo: str | None = None  # one of TODO
    sort: str | None = None  # one of SORTS, "-" first for descending; None: the API's urgency order
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> QueueFilter:
        promise = query.get("has_promise")
        per_page = _int(query.get("per_page"))
        sort = query.get("sort") or ""
        return cls(stage=query.get("stage") if query.get("stage") in STAGES else None,
                   dpd_min=_int(query.get("dpd_min")), dpd_max=_int(query.get("dpd_max")),
                   has_promise={"yes": True, "no": False}.get(promise or ""),
                   contact_days_min=_int(query.get("contact_days_min")),
                   todo=query.get("todo") if query.get("todo") in TODO else None,
                   sort=sort if sort.removeprefix("-") in SORTS else None,
                   page=max(1, _int(query.get("page")) or 1),
                   per_page=per_page if per_page in PER_PAGE else 50)

    def query(self, **changes: Any) -> dict[str, str]:
        """The filter as query parameters (for the paging links), with `changes` applied."""
        values = {"stage": self.stage, "dpd_min": self.dpd_min, "dpd_max": self.dpd_max,
                  "has_promise": None if self.has_promise is None else ("yes" if self.has_promise else "no"),
                  "contact_days_min": self.contact_days_min, "todo": self.todo, "sort": self.sort,
                  "page": self.page, "per_page": self.per_page}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v is not None}

    def sort_link(self, column: str) -> str:
        """The sort a column's header asks for: ascending first, then descending, then the API's order."""
        if self.sort == column:
            return "-" + column
        if self.sort == "-" + column:
            return ""
        return column

    def sorted_by(self, column: str) -> str | None:
        """`ascending` / `descending` when the queue is sorted by `column` (the header's aria-sort)."""
        if self.sort == column:
            return "ascending"
        return "descending" if self.sort == "-" + column else None


def _int(text: str | None) -> int | None:
    if text is None or not text.strip().isdigit():
        return None
    value = int(text.strip())
    return value if value <= 100_000 else None


def days_since_contact(case: Mapping[str, Any], today: date) -> int | None:
    """Whole days since the last contact attempt; None when never contacted."""
    last = case.get("last_contact_at")
    if not last:
        return None
    try:
        moment = datetime.fromisoformat(str(last))
    except ValueError:
        return None
    return max(0, (today - moment.date()).days)


def follow_up_due(case: Mapping[str, Any], business_date: date | None) -> bool:
    """The case's next scheduled action (a policy's call, letter, visit) is due on or before the business date."""
    action = case.get("next_action")
    if not action or business_date is None:
        return False
    return str(action.get("due", "9999")) <= business_date.isoformat()


def is_todo(case: Mapping[str, Any], todo: str, today: date, business_date: date | None) -> bool:
    """Whether a case is on one of today's to-do lists (TODO)."""
    if todo == "promises_due":
        return promise_due(case, business_date)
    if todo == "follow_ups_due":
        return follow_up_due(case, business_date)
    if todo == "never_contacted":
        return not case.get("last_contact_at")
    if todo == "new":
        return business_date is not None and case.get("opened_on") == business_date.isoformat()
    return True


def todo_counts(cases: Sequence[Mapping[str, Any]], today: date, business_date: date | None) -> dict[str, int]:
    """How many cases each to-do list holds (the to-do links' counts)."""
    return {todo: sum(1 for c in cases if is_todo(c, todo, today, business_date)) for todo in TODO}


def matches(case: Mapping[str, Any], wanted: QueueFilter, today: date, business_date: date | None = None) -> bool:
    dpd = int(case.get("days_past_due") or 0)
    if wanted.todo and not is_todo(case, wanted.todo, today, business_date):
        return False
    if wanted.stage and case.get("stage") != wanted.stage:
        return False
    if wanted.dpd_min is not None and dpd < wanted.dpd_min:
        return False
    if wanted.dpd_max is not None and dpd > wanted.dpd_max:
        return False
    if wanted.has_promise is not None and (case.get("open_promise") is not None) != wanted.has_promise:
        return False
    if wanted.contact_days_min is not None:
        since = days_since_contact(case, today)
        if since is not None and since < wanted.contact_days_min:
            return False
    return True


@dataclass(frozen=True)
class QueuePage:
    rows: list[Mapping[str, Any]]
    total: int  # after filtering
    page: int
    pages: int


def _sort_key(column: str, today: date) -> Any:
    def key(case: Mapping[str, Any]) -> Any:
        if column == "dpd":
            return int(case.get("days_past_due") or 0)
        if column == "amount":
            return _amount(case.get("amount_overdue"))
        if column == "last_contact":  # never contacted counts as the longest ago
            since = days_since_contact(case, today)
            return -(since if since is not None else 1_000_000)
        if column == "promise":
            return str((case.get("open_promise") or {}).get("promised_date") or "") or None
        return str((case.get("next_action") or {}).get("due") or "") or None
    return key


def ordered(cases: Sequence[Mapping[str, Any]], sort: str | None, today: date) -> list[Mapping[str, Any]]:
    """The cases by a column (stable: ties keep the API's urgency order; cases without a value last)."""
    if not sort:
        return list(cases)
    column, descending = sort.removeprefix("-"), sort.startswith("-")
    key = _sort_key(column, today)
    valued = [c for c in cases if key(c) is not None]
    return sorted(valued, key=key, reverse=descending) + [c for c in cases if key(c) is None]


def worklist(cases: Sequence[Mapping[str, Any]], wanted: QueueFilter, today: date,
             business_date: date | None = None) -> list[Mapping[str, Any]]:
    """The queue as the collector works it: filtered, in the chosen order (all pages)."""
    return ordered([c for c in cases if matches(c, wanted, today, business_date)], wanted.sort, today)


def page_of(cases: Sequence[Mapping[str, Any]], wanted: QueueFilter, today: date,
            business_date: date | None = None) -> QueuePage:
    """The filtered queue, in the API's order or the chosen column's, cut to the asked page (the last page when
    beyond it)."""
    kept = worklist(cases, wanted, today, business_date)
    pages = max(1, -(-len(kept) // wanted.per_page))
    page = min(wanted.page, pages)
    start = (page - 1) * wanted.per_page
    return QueuePage(kept[start:start + wanted.per_page], len(kept), page, pages)


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def promise_due(case: Mapping[str, Any], business_date: date | None) -> bool:
    """The open promise's date has come (the API's own flag when it gives one)."""
    if "promise_due" in case:
        return bool(case["promise_due"])
    promise = case.get("open_promise")
    if not promise or business_date is None:
        return False
    return str(promise.get("promised_date", "9999")) <= business_date.isoformat()


def todays_figures(cases: Sequence[Mapping[str, Any]], today: date,
                   business_date: date | None) -> dict[str, Any]:
    """WORKBENCH.md's "today's figures" that the queue itself holds: cases, overdue, promises due,
    new cases and promises taken on the business date, never contacted, contacted today, open promises."""
    contacted_today = sum(1 for c in cases if days_since_contact(c, today) == 0)
    day = business_date.isoformat() if business_date else None
    return {
        "new_cases": sum(1 for c in cases if day and c.get("opened_on") == day),
        "promises_taken": sum(1 for c in cases if day and (c.get("open_promise") or {}).get("made_on") == day),
        "open_cases": len(cases),
        "amount_overdue": sum((_amount(c.get("amount_overdue")) for c in cases), Decimal(0)),
        "promises_due": sum(1 for c in cases if promise_due(c, business_date)),
        "open_promises": sum(1 for c in cases if c.get("open_promise")),
        "never_contacted": sum(1 for c in cases if not c.get("last_contact_at")),
        "contacted_today": contacted_today,
    }


@dataclass(frozen=True)
class Neighbours:
    """Where a case stands in its collector's queue, for "previous / next case" on the case page."""

    position: int  # 1-based
    total: int
    previous: str | None
    next: str | None


def neighbours(cases: Sequence[Mapping[str, Any]], case_id: str) -> Neighbours | None:
    """The cases before and after `case_id` in queue order; None when it is not in the queue."""
    ids = [str(c.get("case_id")) for c in cases]
    if case_id not in ids:
        return None
    at = ids.index(case_id)
    return Neighbours(at + 1, len(ids), ids[at - 1] if at > 0 else None, ids[at + 1] if at + 1 < len(ids) else None)
