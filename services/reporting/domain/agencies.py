"""Agencies and commission in the collections report (issue 15), from the events alone (pure).

Agencies (per agency): the placements that were active at some time in the period, the balance
placed with them (each placement's `placed_balance`), what the agency recovered in the period
under its placements, its fees on that, and the liquidation rate = recovered / placed.

Commission: per collector and per month (the business date's calendar month) as collections
recorded it on each `collections.recovery.attributed` (rounded per recovery there; sums here), and
per channel (collector, legal, agency: an agency earns fees, never a collector's commission).
DOMAIN.md §3: "one collector: 466,254.50 recovered, 62,059.50 commission".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.domain.book import ZERO, ratio
from shared.money import to_fen

CHANNELS = ("collector", "legal", "agency")


@dataclass(frozen=True)
class Placement:
    """A placement as its events tell it: made (agency, balance, recall date), maybe recalled."""

    placement_id: str
    agency: str
    placed_on: date
    placed_balance: Decimal
    recall_on: date
    recalled_on: date | None = None
    recall_reason: str | None = None

    def active_in(self, start: date, end: date) -> bool:
        return self.placed_on <= end and (self.recalled_on is None or self.recalled_on >= start)


@dataclass(frozen=True)
class Recovery:
    """One recovered payment as collections attributed it."""

    on: date
    channel: str
    collector: str | None
    amount: Decimal
    commission: Decimal
    agency: str | None = None
    placement_id: str | None = None
    agency_fee: Decimal = ZERO


def agencies_report(
    placements: list[Placement], recoveries: list[Recovery], start: date, end: date
) -> dict[str, dict[str, Any]]:
    """Per agency: placements active in [start, end] (and still active at `end`), the balance placed with
    them, recovered and fees in the period, the liquidation rate."""
    out: dict[str, dict[str, Any]] = {}
    for p in placements:
        if not p.active_in(start, end):
            continue
        row = out.setdefault(p.agency, _agency_row())
        row["placements"] += 1
        row["active"] += p.recalled_on is None or p.recalled_on > end
        row["placed_balance"] += p.placed_balance
    for r in recoveries:
        if r.channel != "agency" or r.agency is None or not start <= r.on <= end:
            continue
        row = out.setdefault(r.agency, _agency_row())
        row["recovered"] += r.amount
        row["fees"] += r.agency_fee
    for row in out.values():
        row["liquidation_rate"] = ratio(row["recovered"], row["placed_balance"])
    return dict(sorted(out.items()))


def _agency_row() -> dict[str, Any]:
    return {"placements": 0, "active": 0, "placed_balance": ZERO, "recovered": ZERO, "fees": ZERO}


def department_credit(commission: Decimal, share: Decimal) -> Decimal:
    """The department's share of a collector's commission in the period, half-up to the fen on the total.

    The notes (seed line 17): "为公司创造佣金62059.5元,为部门创造业绩62059.5×0.7=43441.65元".
    """
    return to_fen(commission * share)


def commission_report(recoveries: list[Recovery], start: date, end: date) -> dict[str, Any]:
    """Commission per month, per collector and month, and per channel (recovered, commission, agency fees).

    An agency's recoveries earn its fee, never a collector's commission: they count in the agency channel only.
    """
    by_month: dict[str, dict[str, Decimal]] = {}
    collectors: dict[str, dict[str, Decimal]] = {}
    channels = {c: {"recovered": ZERO, "commission": ZERO, "agency_fees": ZERO} for c in CHANNELS}
    for r in sorted(recoveries, key=lambda r: r.on):
        if not start <= r.on <= end:
            continue
        channel = channels.setdefault(r.channel, {"recovered": ZERO, "commission": ZERO, "agency_fees": ZERO})
        channel["recovered"] += r.amount
        channel["commission"] += r.commission
        channel["agency_fees"] += r.agency_fee
        if r.channel == "agency":
            continue
        month = f"{r.on:%Y-%m}"
        figures = by_month.setdefault(month, {"recovered": ZERO, "commission": ZERO})
        figures["recovered"] += r.amount
        figures["commission"] += r.commission
        mine = collectors.setdefault(r.collector or "unassigned", {})
        mine[month] = mine.get(month, ZERO) + r.commission
    return {"by_month": by_month, "by_collector": collectors, "by_channel": channels}
