"""The collections report's `legal` part (issue 15): proceedings by where they stand, steps, costs, recoveries.

DOMAIN.md §3: "legal (法务: court, payment order 支付令, enforcement 强制执行; economic-crime police for
fraud)". Built only from collections' events (`rpt_legal_actions`: one row per referral, recorded step and
time bar), so a rebuild gives the same figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.domain.book import ZERO

# a step -> where the proceedings stand after it (police reports are apart: the fraud path)
STATUS_OF = {"referral": "referred", "filing": "filed", "payment_order": "payment_order", "judgment": "judgment",
             "enforcement": "enforcement", "closed": "closed"}
STATUSES = ("referred", "filed", "payment_order", "judgment", "enforcement", "closed")
COUNTED = {"referral": "referrals", "filing": "filings", "payment_order": "payment_orders", "judgment": "judgments",
           "enforcement": "enforcements", "police_report": "police_reports", "closed": "closed"}
OUTCOMES = ("recovered", "settled", "withdrawn", "dismissed", "unrecoverable")


@dataclass(frozen=True)
class LegalStep:
    """One row of `rpt_legal_actions`: a step recorded on business date `businessdate` (`on`: when it happened)."""

    case_id: str
    businessdate: date
    sequence: int
    kind: str  # referral | police_referral | filing | payment_order | judgment | enforcement | police_report | closed
    #            | time_barred
    on: date
    cost: Decimal = ZERO
    amount: Decimal | None = None
    outcome: str | None = None


def standing(steps: list[LegalStep]) -> str | None:
    """Where one case's proceedings stand after its steps (in recorded order); None when not in legal: never
    referred (a police referral or report is the fraud path's), or a referral lapsed by the time bar before a
    filing (collections takes it out of the legal queue)."""
    status: str | None = None
    for step in steps:
        if step.kind == "time_barred":
            status = None if status == "referred" else status
        elif step.kind in STATUS_OF:
            status = STATUS_OF[step.kind]
    return status


def legal_figures(steps: list[LegalStep], start: date, end: date) -> dict[str, Any]:
    """Cases per stage of proceedings at the end of `end`; steps, costs, the amount recovered by legal and
    the proceedings closed by outcome, over the steps recorded in business days `start`..`end`."""
    per_case: dict[str, list[LegalStep]] = {}
    for step in sorted(steps, key=lambda s: (s.case_id, s.businessdate, s.sequence)):
        if step.businessdate <= end:
            per_case.setdefault(step.case_id, []).append(step)
    standings = Counter(standing(case_steps) for case_steps in per_case.values())
    in_period = [s for s in steps if start <= s.businessdate <= end and s.kind in COUNTED]
    counts = Counter(COUNTED[s.kind] for s in in_period)
    closed = [s for s in in_period if s.kind == "closed"]
    outcomes = Counter(s.outcome or "unknown" for s in closed)
    return {"cases": {status: standings.get(status, 0) for status in STATUSES},
            **{name: counts.get(name, 0) for name in COUNTED.values()},
            "costs": sum((s.cost for s in in_period), ZERO),
            "recovered": sum((s.amount or ZERO for s in closed), ZERO),
            "closed_by_outcome": {o: outcomes.get(o, 0) for o in (*OUTCOMES, *sorted(set(outcomes) - set(OUTCOMES)))}}
