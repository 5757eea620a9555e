"""Settings of the origination service (prefix LOANFLOW_ORIGINATION_)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from services.origination.domain.products import DEFAULT_RULES, ProductRules
from shared.config import DEFAULT_PORTS, ServiceSettings


class ProductLimits(BaseModel):
    """One product's limits, e.g. LOANFLOW_ORIGINATION_PRODUCTS='{"credit": {"max_amount": "50000"}}'."""

    min_amount: Decimal
    max_amount: Decimal
    min_term_months: int
    max_term_months: int
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    large_amount_threshold: Decimal
    due_day: int = Field(20, ge=1, le=28)


def _default_products() -> dict[str, ProductLimits]:
    return {name: ProductLimits(**vars(rules)) for name, rules in DEFAULT_RULES.items()}


class OriginationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_ORIGINATION_", extra="ignore")

    service_name: str = "origination"
    port: int = DEFAULT_PORTS["origination"]
    # Limits per product; products not named keep their defaults (partial overrides merge per field).
    products: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # Where credit reports come from when the application carries none: "none" or "file".
    credit_bureau: Literal["none", "file"] = "none"
    credit_bureau_file: Path | None = None  # JSON {"<id number>": {"max_overdue_months": 0, ...}}
    # Erasure (issue 16): days after a borrower's last debt closed (paid off, or the application rejected)
    # before their personal data may be erased; five years, as records of a finished relationship are kept.
    erasure_retention_days: int = Field(1825, ge=0)

    def product_rules(self) -> dict[str, ProductRules]:
        """The effective limits of every product (defaults overridden by configuration)."""
        out = {}
        for name, limits in _default_products().items():
            override = self.products.get(name, {})
            merged = ProductLimits.model_validate({**limits.model_dump(), **override})
            out[name] = ProductRules(**merged.model_dump())
        return out
