"""What moved the NPL ratio since the previous month end (pure, no I/O), from reporting's delinquency report,
so a manager reads the month's NPL, its change and its cause in one place instead of working them out of
the roll table.

DOMAIN.md §4: "Non-performing balance and NPL ratio (one report: 3,463,100 of 83,720,000, 4.14%, down
from 5.21%); month-on-month change". The ratio is the non-performing balance over the outstanding
principal, so its change has two parts that add up to it exactly:
- from the non-performing balance: (balance now − balance then) ÷ outstanding then;
- from the book's size: balance now × (1 ÷ outstanding now − 1 ÷ outstanding then) — a book that shrinks
  raises the ratio with no new bad loan.
Which loans moved comes from the report's roll table (where each bucket's loans at the month end are now):
those that crossed the threshold into the 91-180 / 180+ buckets, and those that left them (back under the
threshold or paid off, or written off). The buckets split at 90 days, so the counts are given only when
the report's threshold is 90.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.workbench.i18n import to_decimal

PERFORMING = ("current", "1-30", "31-60", "61-90")
NON_PERFORMING = ("91-180", "180+")
BUCKET_THRESHOLD = 90  # the DPD buckets' split between PERFORMING and NON_PERFORMING


@dataclass(frozen=True)
class NplDrivers:
    """The NPL ratio then and now, its balance and its book, the ratio change split in two, the loans that moved."""

    since: str  # the previous month end (ISO)
    ratio: Decimal | None
    previous_ratio: Decimal | None
    balance: Decimal
    previous_balance: Decimal
    outstanding: Decimal
    previous_outstanding: Decimal
    from_balance: Decimal | None  # share of the ratio change the non-performing balance made (a fraction)
    from_book: Decimal | None  # share the book's size made
    entered: int | None  # loans that crossed the threshold since (None: the buckets do not split there)
    left: int | None  # non-performing then, under the threshold or paid off now
    written_off: int | None  # non-performing then, written off now

    @property
    def balance_change(self) -> Decimal:
        return self.balance - self.previous_balance

    @property
    def outstanding_change(self) -> Decimal:
        return self.outstanding - self.previous_outstanding


def npl_drivers(report: Mapping[str, Any]) -> NplDrivers | None:
    """The drivers of the report's NPL change; None when the report has no previous month end to compare with."""
    previous = report.get("previous_month_end")
    if not isinstance(previous, Mapping):
        return None
    balance = _amount((report.get("npl") or {}).get("balance"))
    before = _amount((previous.get("npl") or {}).get("balance"))
    book = _amount(report.get("outstanding_principal"))
    book_before = _amount(previous.get("outstanding_principal"))
    from_balance = from_book = None
    if book > 0 and book_before > 0:
        from_balance = (balance - before) / book_before
        from_book = balance / book - balance / book_before
    entered = left = written_off = None
    if report.get("npl_dpd_threshold") == BUCKET_THRESHOLD and isinstance(report.get("roll_rates"), Mapping):
        rolls = report["roll_rates"]
        entered = sum(_moved(rolls, b, NON_PERFORMING) for b in PERFORMING)
        left = sum(_moved(rolls, b, (*PERFORMING, "paid_off")) for b in NON_PERFORMING)
        written_off = sum(_moved(rolls, b, ("written_off",)) for b in NON_PERFORMING)
    return NplDrivers(str(previous.get("date") or ""), to_decimal((report.get("npl") or {}).get("ratio")),
                      to_decimal((previous.get("npl") or {}).get("ratio")), balance, before, book, book_before,
                      from_balance, from_book, entered, left, written_off)


def _amount(value: Any) -> Decimal:
    return to_decimal(value) or Decimal(0)


def _moved(rolls: Mapping[str, Any], bucket: str, to: tuple[str, ...]) -> int:
    """How many of `bucket`'s loans at the month end are now in one of `to`."""
    moves = (rolls.get(bucket) or {}).get("to") or {}
    return sum(int(moves.get(t) or 0) for t in to)
