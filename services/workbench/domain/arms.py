"""The policy-arms page's logic (pure, no I/O): reporting's champion/challenger report as rows and chart data.

Reporting answers every figure and interval (`GET /v1/reports/policy-arms`: Wilson intervals for the
rates, the normal interval of a mean for the per-case figures, Newcombe's and Welch's for the
differences); this module only puts them in the order a supervisor reads them and says, for each
difference, whether its interval excludes zero (the arms differ) or not (no difference shown yet).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.workbench.domain.svg import Estimate
from services.workbench.i18n import to_decimal

ARMS = ("champion", "challenger")
RATES = ("cure_rate", "roll_rate", "promise_kept_rate")
MEANS = ("recovered_per_case", "contacts_per_case")


@dataclass(frozen=True)
class Figure:
    """One arm's value of a metric with its 95% interval (None where the report has none)."""

    value: Decimal | None
    low: Decimal | None = None
    high: Decimal | None = None
    count: int | None = None  # a rate's numerator
    of: int | None = None  # a rate's base


@dataclass(frozen=True)
class ArmRow:
    """A metric: its kind (`rate`, `money`, `number`, `count`), each arm's figure and the difference."""

    metric: str
    kind: str
    champion: Figure
    challenger: Figure
    difference: Figure | None  # challenger − champion, with its interval; None for plain totals

    @property
    def verdict(self) -> str:
        """`higher` / `lower` when the difference's interval excludes 0, `unclear` when it does not, `none`."""
        d = self.difference
        if d is None or d.low is None or d.high is None:
            return "none"
        if d.low > 0:
            return "higher"
        if d.high < 0:
            return "lower"
        return "unclear"


def _rate(rate: Mapping[str, Any] | None) -> Figure:
    rate = rate or {}
    return Figure(to_decimal(rate.get("rate")), to_decimal(rate.get("low")), to_decimal(rate.get("high")),
                  int(rate.get("count") or 0), int(rate.get("of") or 0))


def _mean(arm: Mapping[str, Any], key: str) -> Figure:
    interval = arm.get(f"{key}_interval") or {}
    return Figure(to_decimal(arm.get(key)), to_decimal(interval.get("low")), to_decimal(interval.get("high")))


def _difference(found: Mapping[str, Any] | None, value: Any = None) -> Figure:
    found = found or {}
    return Figure(to_decimal(found.get("difference", value)), to_decimal(found.get("low")),
                  to_decimal(found.get("high")))


def arm_rows(report: Mapping[str, Any]) -> list[ArmRow]:
    """The report's metrics in reading order: cases, the three rates, recovered (total, per case), contacts."""
    arms = report.get("arms") or {}
    champion, challenger = arms.get("champion") or {}, arms.get("challenger") or {}
    diff = report.get("difference") or {}
    rows = [ArmRow("cases", "count", Figure(to_decimal(champion.get("cases"))),
                   Figure(to_decimal(challenger.get("cases"))), None)]
    rows += [ArmRow(key, "rate", _rate(champion.get(key)), _rate(challenger.get(key)), _difference(diff.get(key)))
             for key in ("cure_rate", "roll_rate")]
    rows.append(ArmRow("recovered", "money", Figure(to_decimal(champion.get("recovered"))),
                       Figure(to_decimal(challenger.get("recovered"))), None))
    rows.append(ArmRow("recovered_per_case", "money", _mean(champion, "recovered_per_case"),
                       _mean(challenger, "recovered_per_case"),
                       _difference(diff.get("recovered_per_case_interval"), diff.get("recovered_per_case"))))
    rows.append(ArmRow("contacts_per_case", "number", _mean(champion, "contacts_per_case"),
                       _mean(challenger, "contacts_per_case"),
                       _difference(diff.get("contacts_per_case_interval"), diff.get("contacts_per_case"))))
    rows.append(ArmRow("promise_kept_rate", "rate", _rate(champion.get("promise_kept_rate")),
                       _rate(challenger.get("promise_kept_rate")), _difference(diff.get("promise_kept_rate"))))
    return rows


def rate_groups(rows: list[ArmRow], metric_label: Callable[[str], str], arm_label: Callable[[str], str],
                caption: Callable[[Decimal], str]) -> list[tuple[str, list[Estimate]]]:
    """The rates as chart groups: per rate, one bar per arm with its Wilson interval (an arm without a base
    is left out of its group)."""
    groups = []
    for row in rows:
        if row.kind != "rate":
            continue
        estimates = [Estimate(arm_label(arm), f.value, f.low, f.high, caption(f.value))
                     for arm, f in (("champion", row.champion), ("challenger", row.challenger))
                     if f.value is not None and f.low is not None and f.high is not None]
        groups.append((metric_label(row.metric), estimates))
    return groups
