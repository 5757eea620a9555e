"""Promises to pay (承诺还款) and their verdict: kept, broken, or partial."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.money import ZERO

PromiseStatus = Literal["open", "kept", "broken", "partial", "cancelled"]  # cancelled: loan written off


class Promise(BaseModel):
    """A promised amount by a date; `paid` sums payments received in time."""

    model_config = ConfigDict(extra="ignore")

    promise_id: str
    amount: Decimal
    promised_date: date
    made_on: date
    collector: str
    paid: Decimal = ZERO
    status: PromiseStatus = "open"
    settled_on: date | None = None

    def deadline(self, grace_days: int) -> date:
        """The last business date a payment counts toward the promise."""
        return self.promised_date + timedelta(days=grace_days)


def count_payment(promise: Promise, amount: Decimal, paid_on: date, grace_days: int) -> bool:
    """Add a payment made by the deadline to an open promise; True when it is now kept.

    DOMAIN.md §3: "Promise to pay: a promised amount and date. Kept when paid in time".
    Payments after the promised date plus grace do not count toward it.
    """
    if promise.status != "open" or paid_on > promise.deadline(grace_days):
        return False
    promise.paid += amount
    if promise.paid >= promise.amount:
        promise.status = "kept"
        promise.settled_on = paid_on
        return True
    return False


def due_for_verdict(promise: Promise, closed_day: date, grace_days: int) -> bool:
    """Whether the promise is still open once a business day after its deadline has closed."""
    return promise.status == "open" and closed_day > promise.deadline(grace_days)


def judge_at_day_close(promise: Promise, closed_day: date, grace_days: int) -> PromiseStatus:
    """Verdict on an open promise once the day after its deadline has closed.

    A promise is broken (爽约) when the payments by the deadline do not cover it; a
    partial payment makes it `partial`, which is not kept. Judged only when a closed
    business day lies after the deadline, so late-arriving same-day payments still count.
    """
    if not due_for_verdict(promise, closed_day, grace_days):
        return promise.status
    promise.status = "partial" if promise.paid > ZERO else "broken"
    promise.settled_on = closed_day
    return promise.status
