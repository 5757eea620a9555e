"""The case page's arrangement form (pure, no I/O): the rows it sends as collections' `instalments`, and the
plan generator that fills them — a count, the first due date, monthly — for the collector to edit before
proposing.

The generator splits what the arrangement must cover (the amount owed less the waiver) into `count`
instalments to the fen, each the total divided by the count rounded down to the fen, the remainder on the
last one: 1,000.00 over 3 is 333.33, 333.33, 333.34. Due dates fall monthly on the first date's day of the
month, the month's last day when it has no such day (31 January, 28 February, 31 March). Whether the plan
is acceptable (dates after the business date, the first instalment paying the charges, the sum) is
collections' to say: its 422 is shown on the form, with what was typed.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

MAX_ROWS = 36  # collections' default LOANFLOW_COLLECTIONS_ARRANGEMENT_MAX_INSTALMENTS; it refuses above its own
SHOWN_ROWS = 6  # empty rows the form shows when nothing was typed or generated
FEN = Decimal("0.01")


@dataclass(frozen=True)
class PlanError(Exception):
    """The generator's input is not usable: the rule (a code the pages put in words) and what is wrong."""

    code: str
    message: str


def body(form: Mapping[str, str]) -> dict[str, Any]:
    """The REST body from the form: `kind`, `waive` and the filled rows `due_date_N` / `amount_N` (N ≤ 36)."""
    instalments = []
    for n in range(1, MAX_ROWS + 1):
        due, amount = form.get(f"due_date_{n}", ""), form.get(f"amount_{n}", "")
        if due or amount:
            instalments.append({"due_date": due, "amount": amount})
    out: dict[str, Any] = {"kind": form.get("kind", ""), "instalments": instalments}
    if form.get("waive"):
        out["waive"] = form["waive"]
    return out


def rows_shown(form: Mapping[str, str]) -> int:
    """Rows the form shows: six, or as many as the last one typed or generated (at most 36)."""
    filled = [n for n in range(1, MAX_ROWS + 1) if form.get(f"due_date_{n}") or form.get(f"amount_{n}")]
    return max([SHOWN_ROWS, *filled])


def add_months(first: date, months: int) -> date:
    """`first` moved on by whole months, on its day of the month or the month's last day."""
    year, month = divmod(first.month - 1 + months, 12)
    year, month = first.year + year, month + 1
    return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def split(total: Decimal, count: int) -> list[Decimal]:
    """`total` in `count` fen amounts: the total over the count rounded down to the fen, the rest on the last."""
    each = (total / count).quantize(FEN, rounding=ROUND_DOWN)
    return [each] * (count - 1) + [total - each * (count - 1)]


def _money(value: str, code: str, what: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise PlanError(code, f"{what} {value!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(FEN):
        raise PlanError(code, f"{what} {value!r} is not an amount >= 0.00 in fen")
    return amount


def generate(form: Mapping[str, str], owed: str | Decimal) -> dict[str, str]:
    """The form with rows 1..count filled from `plan_count`, `plan_first_due` (monthly) and what the
    arrangement covers, `owed` − `waive`; earlier rows cleared. Raises PlanError naming the rule."""
    raw = form.get("plan_count", "")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ROWS:
        raise PlanError("plan_count", f"the number of instalments is 1 to {MAX_ROWS}, not {raw!r}")
    count = int(raw)
    try:
        first = date.fromisoformat(form.get("plan_first_due", ""))
    except ValueError:
        raise PlanError("plan_first_due", "the first due date is a date (YYYY-MM-DD)") from None
    waive = _money(form.get("waive") or "0", "arrangement_waive", "the waiver")
    total = _money(str(owed), "plan_nothing_owed", "the amount owed") - waive
    if total < FEN * count:
        raise PlanError("plan_nothing_owed", f"{total:.2f} left after the waiver cannot be split into {count} "
                                             "instalments of at least 0.01")
    out = {k: v for k, v in form.items() if not k.startswith(("due_date_", "amount_"))}
    for n, amount in enumerate(split(total, count), 1):
        out[f"due_date_{n}"] = add_months(first, n - 1).isoformat()
        out[f"amount_{n}"] = f"{amount:.2f}"
    return out
