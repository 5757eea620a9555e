"""Settings of the servicing service (prefix LOANFLOW_SERVICING_)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import get_args

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import SettingsConfigDict

from shared.config import DEFAULT_PORTS, ServiceSettings
from shared.contracts.origination import Product

WATERFALL_KINDS = ("charge", "penalty_interest", "interest", "principal")
PRODUCTS: tuple[str, ...] = get_args(Product)  # the products of loan.disbursed


class ServicingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LOANFLOW_SERVICING_", extra="ignore")

    service_name: str = "servicing"
    port: int = DEFAULT_PORTS["servicing"]
    # day-close
    reminder_days_before: int = 3  # loan.payment.due this many days before each due date
    dpd_boundaries: list[int] = [30, 60, 90, 180]  # loan.payment.missed again as DPD reaches each
    penalty_daily_rate: Decimal = Decimal("0.0005")  # 罚息: per day on overdue principal
    # charges and repayments
    failed_debit_fee: Decimal = Decimal("50.00")  # 扣款失败费 per broken promise
    waterfall: list[str] = list(WATERFALL_KINDS)  # allocation order over what is owed
    partner_secret_grace_hours: int = Field(default=24, ge=0, le=720)  # old secret still verifies after rotation
    # an advance answers 200 when its job ends within this many seconds, else 202 {job_id}
    advance_wait_seconds: float = Field(default=2.0, ge=0, le=10)
    # abuse limits: POST /v1/repayments per partner, a token bucket per servicing process
    partner_rate_per_second: float = Field(default=100.0, gt=0)
    partner_burst: int = Field(default=200, ge=1)
    # a partner with a channel pays only loans whose product is in its channel (channel -> products)
    partner_channels: dict[str, list[str]] = {p: [p] for p in PRODUCTS}
    # credit-bureau reporting (DOMAIN.md §2): the directory of the report files (unset: reporting off)
    credit_bureau_dir: Path | None = None
    # the submitter draining the bureau's queue after commit (with LOANFLOW_RUN_BACKGROUND)
    bureau_poll_seconds: float = Field(default=2.0, gt=0, le=300)  # how often it looks for due records
    bureau_retry_base_seconds: float = Field(default=5.0, gt=0)  # first retry after a failure; doubles each time
    bureau_retry_max_seconds: float = Field(default=600.0, gt=0)  # ... up to this
    bureau_batch: int = Field(default=100, ge=1, le=10_000)  # records per transaction
    # whom a record is filed under: origination's GET /v1/borrowers/{id}/identity, asked at submission time
    origination_url: str = Field(f"http://127.0.0.1:{DEFAULT_PORTS['origination']}",
                                 validation_alias=AliasChoices("LOANFLOW_SERVICING_ORIGINATION_URL",
                                                               "LOANFLOW_ORIGINATION_URL"))
    bureau_identity_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    dayclose_batch: int = 20_000  # unused since day-close is one statement; kept so configs still load

    @field_validator("waterfall")
    @classmethod
    def _complete_waterfall(cls, order: list[str]) -> list[str]:
        if sorted(order) != sorted(WATERFALL_KINDS):
            raise ValueError(f"waterfall must order exactly {', '.join(WATERFALL_KINDS)}")
        return order

    @field_validator("partner_channels")
    @classmethod
    def _known_products(cls, channels: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted({p for products in channels.values() for p in products} - set(PRODUCTS))
        if unknown:
            raise ValueError(f"unknown products {unknown}; products are {', '.join(PRODUCTS)}")
        return channels

    @field_validator("dpd_boundaries")
    @classmethod
    def _positive_boundaries(cls, boundaries: list[int]) -> list[int]:
        if any(b < 1 for b in boundaries):
            raise ValueError("DPD boundaries are positive day counts")
        return sorted(set(boundaries))

    @field_validator("penalty_daily_rate", "failed_debit_fee")
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError("must not be negative")
        return value
