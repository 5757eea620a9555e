"""Loan products and their configurable limits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PRODUCTS = ("credit", "mortgage", "guaranteed")


@dataclass(frozen=True)
class ProductRules:
    """Limits of one product: amount, term, annual rate, large-amount threshold, due day."""

    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    large_amount_threshold: Decimal
    due_day: int = 20

    def needs_investigation(self, amount: Decimal) -> bool:
        """DOMAIN.md §1: "Large amounts need an on-site credit investigation by the team manager"."""
        return amount > self.large_amount_threshold


DEFAULT_RULES: dict[str, ProductRules] = {
    "credit": ProductRules(Decimal("1000"), Decimal("300000"), 3, 36, Decimal("0.04"), Decimal("0.24"),
                           Decimal("100000")),
    "mortgage": ProductRules(Decimal("10000"), Decimal("5000000"), 12, 360, Decimal("0.03"), Decimal("0.15"),
                             Decimal("1000000")),
    "guaranteed": ProductRules(Decimal("1000"), Decimal("1000000"), 3, 60, Decimal("0.04"), Decimal("0.24"),
                               Decimal("300000")),
}
