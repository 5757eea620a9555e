"""Repayment schedules: equal installment (等额本息), equal principal (等额本金), interest only (先息后本).

DOMAIN.md §2: "Repayment is monthly equal installments (等额本息, annuity). Others in use:
equal principal (等额本金), monthly interest with principal at maturity (先息后本).
Interest is due by a fixed day (the notes: by the 20th)."

Product rules implemented here:
- Installments fall due monthly on the loan's due day (clamped to the month's last day);
  the first due date is the due day of the month after the disbursement month.
- First period NOT pro-rated: every period, the first included, bears one month's interest
  (annual rate / 12) on the principal outstanding at its start, whatever its length in days.
- Each installment's interest is rounded half-up to the fen; principal parts are rounded
  to the fen and the last installment absorbs the remainder, so they sum exactly to the
  loan amount.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext

from shared.money import ZERO, to_fen

METHODS = ("equal_installment", "equal_principal", "interest_only")


@dataclass(frozen=True)
class PlannedInstallment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def due_date_of(disbursed_on: date, due_day: int, number: int) -> date:
    """The due date of installment `number` (1-based): due day of the number-th month after disbursement."""
    months = disbursed_on.year * 12 + (disbursed_on.month - 1) + number
    year, month = divmod(months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(due_day, last))


def annuity_payment(principal: Decimal, monthly_rate: Decimal, term_months: int) -> Decimal:
    """The level monthly payment P·r/(1-(1+r)^-n), rounded to the fen (P/n when r is 0)."""
    if monthly_rate == 0:
        return to_fen(principal / term_months)
    with localcontext() as ctx:
        ctx.prec = 40
        growth = (1 + monthly_rate) ** term_months
        return to_fen(principal * monthly_rate * growth / (growth - 1))


def build_schedule(principal: Decimal, annual_rate: Decimal, term_months: int, method: str,
                   disbursed_on: date, due_day: int) -> list[PlannedInstallment]:
    """The loan's installments, oldest first, by the rules in this module's docstring."""
    if method not in METHODS:
        raise ValueError(f"unknown repayment method {method!r}")
    if term_months < 1 or principal <= 0 or annual_rate < 0 or not 1 <= due_day <= 31:
        raise ValueError("a schedule needs principal > 0, term >= 1, rate >= 0 and due day 1..31")
    rate = annual_rate / 12
    payment = annuity_payment(principal, rate, term_months) if method == "equal_installment" else ZERO
    level_principal = to_fen(principal / term_months)
    outstanding = principal
    out: list[PlannedInstallment] = []
    for number in range(1, term_months + 1):
        interest = to_fen(outstanding * annual_rate / 12)  # multiply first: exact when it can be
        if number == term_months:
            part = outstanding
        elif method == "equal_installment":
            part = min(max(payment - interest, ZERO), outstanding)
        elif method == "equal_principal":
            part = min(level_principal, outstanding)
        else:
            part = ZERO
        out.append(PlannedInstallment(number, due_date_of(disbursed_on, due_day, number), part, interest))
        outstanding -= part
    return out
