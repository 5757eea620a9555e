"""Who a recovered payment is credited to, and what it earns them (issue 15, DOMAIN.md §3).

DOMAIN.md §3: "Measured per collector/team: amount recovered, commission on it (one collector:
466,254.50 recovered, 62,059.50 commission)". The rate depends on the case's stage when the
payment came in and on the channel that recovered it:

- `agency`: the case is placed with a collection agency; the agency earns its placement's fee
  rate and no collector earns commission (the notes' rule: a placement's recoveries credit the
  agency, not a collector);
- `legal`: the case is in legal proceedings; its holder earns legal's rate of the stage;
- `collector`: otherwise the case's assignee earns the collector rate of the stage.

Each recovery's commission and fee are rounded half-up to the fen on their own (one payment,
one rounding); totals are sums of those.

The default rates (front 12%, mid 15%, back 20%; legal 5%) reproduce the notes' example: a front-end
collector who supported mid-end in July–August (the notes: "七八月份前排部分催收员整组转岗中排支援")
recovering 203,632.00 while in mid-end and 262,622.50 in front-end, 466,254.50 in all, earns
30,544.80 + 31,514.70 = 62,059.50.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from services.collections.domain.staging import Stage
from shared.contracts.collections import RecoveryChannel
from shared.money import ZERO, Rate, to_fen


class StageRates(BaseModel):
    """A commission rate per stage: a share of the amount recovered, in [0, 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    front: Rate = Field(ge=0, lt=1)
    mid: Rate = Field(ge=0, lt=1)
    back: Rate = Field(ge=0, lt=1)

    def of(self, stage: Stage) -> Decimal:
        return {"front": self.front, "mid": self.mid, "back": self.back}[stage]


class CommissionRates(BaseModel):
    """Commission rates by channel and stage (LOANFLOW_COLLECTIONS_COMMISSION_RATES). The agency channel
    has none: an agency's recoveries earn its placement fee, never a collector's commission."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    collector: StageRates = StageRates(front=Decimal("0.12"), mid=Decimal("0.15"), back=Decimal("0.20"))
    legal: StageRates = StageRates(front=Decimal("0.05"), mid=Decimal("0.05"), back=Decimal("0.05"))

    def rate(self, channel: RecoveryChannel, stage: Stage) -> Decimal:
        if channel == "agency":
            return ZERO
        return (self.legal if channel == "legal" else self.collector).of(stage)


@dataclass(frozen=True)
class Credit:
    """What one recovered payment earns: the channel, the collector credited and the commission,
    or the agency's placement and its fee."""

    channel: RecoveryChannel
    collector: str | None
    commission: Decimal
    agency: str | None = None
    placement_id: str | None = None
    agency_fee: Decimal = ZERO


def credit(
    amount: Decimal,
    *,
    stage: Stage,
    holder: str | None,
    in_legal: bool,
    rates: CommissionRates,
    placement: tuple[str, str, Decimal] | None,
) -> Credit:
    """The credit for `amount` recovered on a case at `stage`, held by `holder`.

    `placement`: the active placement (placement id, agency, fee rate), if any; it wins over legal.
    Nobody holding the case (not yet assigned) earns no commission.
    """
    if placement is not None:
        placement_id, agency, fee_rate = placement
        return Credit(
            "agency", None, to_fen(0), agency=agency, placement_id=placement_id, agency_fee=to_fen(amount * fee_rate)
        )
    channel: RecoveryChannel = "legal" if in_legal else "collector"
    commission = to_fen(amount * rates.rate(channel, stage)) if holder else to_fen(0)
    return Credit(channel, holder, commission)
