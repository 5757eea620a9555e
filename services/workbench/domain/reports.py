"""The management report page's logic (pure, no I/O): which dates to ask for, rows in order, chart data.

Reporting answers every figure; this module only chooses the business dates (the as-of date,
the month ends the NPL line is drawn through, the collections period) and puts the answers in
the order a manager reads them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.workbench.domain.svg import Datum
from services.workbench.i18n import to_decimal

BUCKETS = ("current", "1-30", "31-60", "61-90", "91-180", "180+")
STAGES = ("front", "mid", "back")
TREND_MONTHS = 6  # month ends on the NPL line, before the as-of date itself
CSV_REPORTS = ("delinquency", "collections", "portfolio", "loan-book")


def parse_day(text: str | None) -> date | None:
    """A date from a form field (ISO `2026-04-30`); None when blank or not a date (the API's latest is used)."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None
    return day if day >= date(1, 2, 1) else None


@dataclass(frozen=True)
class Period:
    """What the date pickers asked for: the as-of date and the collections period (None: the API's default)."""

    as_of: date | None = None
    start: date | None = None
    end: date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Period:
        return cls(parse_day(query.get("as_of")), parse_day(query.get("from")), parse_day(query.get("to")))

    def collections_params(self, as_of: date | None) -> dict[str, str]:
        """`from`/`to` for the collections report: as asked, else the month of the as-of date up to it."""
        end = self.end or as_of
        start = self.start or (end.replace(day=1) if end else None)
        if start and end and start > end:
            start = end.replace(day=1)
        return {k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None}


def month_ends_before(day: date, count: int = TREND_MONTHS) -> list[date]:
    """The last `count` month ends before `day`'s month, oldest first (the NPL line's points before `day`)."""
    ends: list[date] = []
    cursor = day.replace(day=1) - timedelta(days=1)
    while len(ends) < count and cursor >= date(1, 2, 1):
        ends.append(cursor)
        cursor = cursor.replace(day=1) - timedelta(days=1)
    return ends[::-1]


def npl_points(reports: list[Any], caption: Callable[[Decimal], str],
               day_label: Callable[[date], str]) -> list[Datum]:
    """One point per delinquency report that has a ratio (a book with nothing outstanding has none), in order."""
    points = []
    for report in reports:
        if not isinstance(report, Mapping):
            continue  # a refused month is left out of the line
        ratio = to_decimal((report.get("npl") or {}).get("ratio"))
        if ratio is None:
            continue
        points.append(Datum(day_label(date.fromisoformat(report["as_of"])), ratio, caption(ratio)))
    return points


def bucket_bars(report: Mapping[str, Any], caption: Callable[[Decimal], str],
                bucket_label: Callable[[str], str]) -> list[Datum]:
    """The DPD buckets' balances in bucket order (a bucket the report lacks counts as zero)."""
    by_bucket = report.get("by_bucket") or {}
    return [Datum(bucket_label(b), balance, caption(balance))
            for b in BUCKETS for balance in [to_decimal((by_bucket.get(b) or {}).get("balance")) or Decimal(0)]]


def ranked(rows: Mapping[str, Mapping[str, Any]], key: str = "recovered") -> list[tuple[str, Mapping[str, Any]]]:
    """Collectors or regions, most recovered first, then by name."""
    return sorted(rows.items(), key=lambda item: (-(to_decimal(item[1].get(key)) or Decimal(0)), item[0]))


def change_direction(change: Any) -> str:
    """`up`, `down` or `flat` for a month-on-month change (a rising NPL ratio is bad news)."""
    value = to_decimal(change)
    if value is None or value == 0:
        return "flat"
    return "up" if value > 0 else "down"


@dataclass(frozen=True)
class BucketRow:
    bucket: str
    count: int
    balance: Decimal
    share: Decimal | None  # of the outstanding principal; None when nothing is outstanding


def bucket_rows(report: Mapping[str, Any]) -> list[BucketRow]:
    """Each DPD bucket's loans, balance and share of the outstanding principal, in bucket order."""
    total = to_decimal(report.get("outstanding_principal")) or Decimal(0)
    by_bucket = report.get("by_bucket") or {}
    rows = []
    for b in BUCKETS:
        row = by_bucket.get(b) or {}
        balance = to_decimal(row.get("balance")) or Decimal(0)
        rows.append(BucketRow(b, int(row.get("count") or 0), balance, balance / total if total > 0 else None))
    return rows
