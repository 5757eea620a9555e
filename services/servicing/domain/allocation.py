"""The allocation waterfall: a payment spread over what the loan owes, in a configured order.

DOMAIN.md §2: "Partner systems post repayments; a payment is allocated over what is owed."
Rule (issue 4): default order charges → penalty interest → interest → principal, oldest
installment first. What is owed now: unpaid charges, unpaid penalty interest, interest of
every installment due up to and including the current period, and principal of those
installments. Whatever remains then prepays later principal, oldest installment first;
interest of later periods is not owed (it is waived when the loan is paid off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.money import ZERO

DEFAULT_ORDER = ("charge", "penalty_interest", "interest", "principal")


@dataclass(frozen=True)
class Owed:
    """One thing owed: a kind, the installment it belongs to (None for loan-level), the amount left."""

    kind: str
    installment_number: int | None
    amount: Decimal
    not_yet_due: bool = False  # the current period's installment before its due date


@dataclass(frozen=True)
class Line:
    kind: str
    installment_number: int | None
    amount: Decimal


def allocate(amount: Decimal, owed_now: Sequence[Owed], prepayable: Sequence[Owed],
             order: Sequence[str] = DEFAULT_ORDER) -> tuple[list[Line], Decimal]:
    """Spread `amount` over `owed_now` (due first, by kind in `order`, oldest first), then `prepayable`.

    Returns the allocation lines and what could not be placed (> 0 means an overpayment).
    """
    rank = {kind: i for i, kind in enumerate(order)}
    queue = sorted(owed_now, key=lambda o: (o.not_yet_due, rank[o.kind], o.installment_number or 0))
    queue += sorted(prepayable, key=lambda o: o.installment_number or 0)
    left = amount
    lines: list[Line] = []
    for item in queue:
        if left <= 0:
            break
        take = min(left, item.amount)
        if take > 0:
            last = lines[-1] if lines else None
            if last and (last.kind, last.installment_number) == (item.kind, item.installment_number):
                lines[-1] = Line(item.kind, item.installment_number, last.amount + take)
            else:
                lines.append(Line(item.kind, item.installment_number, take))
            left -= take
    return lines, max(left, ZERO)
