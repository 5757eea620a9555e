"""The policy-arms report's response body (GET /v1/reports/policy-arms): champion vs challenger."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from services.reporting.entrypoints.api.public import Amount, Public, Ratio


class RatePublic(Public):
    """A proportion: count of `of`, the rate and its 95% Wilson interval (None without a base)."""

    count: int
    of: int
    rate: Ratio
    low: Ratio
    high: Ratio


class MeanPublic(Public):
    """A per-case mean with its normal 95% interval (None under two cases)."""

    mean: Ratio
    low: Ratio
    high: Ratio


class ArmPublic(Public):
    cases: int  # opened in the period in this arm
    cure_rate: RatePublic  # cured or paid off by the end of the period
    roll_rate: RatePublic  # moved on to a later stage by the end of the period
    recovered: Amount
    recovered_per_case: Amount | None
    recovered_per_case_interval: MeanPublic
    contacts: int
    contacts_per_case: Ratio
    contacts_per_case_interval: MeanPublic
    promise_kept_rate: RatePublic  # of the promises judged (kept or broken)


class DifferencePublic(Public):
    """challenger − champion with Newcombe's 95% interval."""

    difference: Ratio
    low: Ratio
    high: Ratio


class ArmsDifferencePublic(Public):
    cure_rate: DifferencePublic
    roll_rate: DifferencePublic
    promise_kept_rate: DifferencePublic
    recovered_per_case: Ratio
    contacts_per_case: Ratio
    recovered_per_case_interval: DifferencePublic  # Welch's normal 95% interval
    contacts_per_case_interval: DifferencePublic


class ArmsPairPublic(Public):
    champion: ArmPublic
    challenger: ArmPublic


class PolicyArmsPublic(Public):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    arms: ArmsPairPublic
    difference: ArmsDifferencePublic
