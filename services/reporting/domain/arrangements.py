"""Arrangements in the collections report (issue 15): how many were proposed, approved, rejected, broken,
completed and declined (approved, but servicing could not honour them) in the period, what was waived
(servicing's split, net of what broken ones restored), how many wait for approval at the end, and what was
recovered under arrangements — all from the events (`rpt_arrangements`, `rpt_allocations`), so a rebuild gives
the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shared.money import ZERO

DECISIONS = ("proposed", "approved", "rejected", "broken", "completed", "declined")


@dataclass(frozen=True)
class ArrangementFact:
    """One row of `rpt_arrangements`."""

    arrangement_id: str
    businessdate: date
    kind: str  # proposed, approved, rejected, broken, completed, declined (collections); applied, reverted (servicing)
    waived: Decimal | None
    charges: Decimal | None
    interest: Decimal | None
    principal: Decimal | None


def arrangements_report(facts: list[ArrangementFact], start: date, end: date, recovered: Decimal) -> dict[str, Any]:
    """The `arrangements` part of `GET /reports/collections` for business days `start`..`end`."""
    within = [f for f in facts if start <= f.businessdate <= end]
    counts = {kind: len({f.arrangement_id for f in within if f.kind == kind}) for kind in DECISIONS}
    waived = {"charges": ZERO, "interest": ZERO, "principal": ZERO}
    for f in within:
        sign = 1 if f.kind == "applied" else -1 if f.kind == "reverted" else 0
        if sign:
            for part, amount in (("charges", f.charges), ("interest", f.interest), ("principal", f.principal)):
                waived[part] += sign * (amount or ZERO)
    decided = {f.arrangement_id for f in facts if f.kind in ("approved", "rejected") and f.businessdate <= end}
    pending = {f.arrangement_id for f in facts if f.kind == "proposed" and f.businessdate <= end} - decided
    return {**counts, "pending_approval": len(pending),
            "waived": {"total": sum(waived.values(), ZERO), **waived}, "recovered": recovered}
