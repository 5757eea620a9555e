"""Delinquency report: stage and DPD-bucket balances, NPL, month-on-month change, roll rates."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.reporting.domain.book import BUCKETS, STAGES, ZERO, LoanAsOf, npl, outstanding, ratio

CLOSED = ("paid_off", "written_off")


def delinquency(as_of: date, loans: list[LoanAsOf], month_end: date, loans_at_month_end: list[LoanAsOf],
                threshold: int) -> dict[str, Any]:
    """Delinquency at the end of `as_of`, compared with the previous month end.

    DOMAIN.md §4: "Non-performing balance and NPL ratio ...; month-on-month change";
    "cure and roll between stages". A loan is non-performing when its DPD exceeds `threshold`.
    """
    npl_balance, npl_ratio = npl(loans, threshold)
    prev_balance, prev_ratio = npl(loans_at_month_end, threshold)
    return {
        "as_of": as_of.isoformat(),
        "npl_dpd_threshold": threshold,
        "outstanding_principal": outstanding(loans),
        "by_stage": _group(loans, STAGES, lambda loan: loan.stage),
        "by_bucket": _group(loans, BUCKETS, lambda loan: loan.bucket),
        "npl": {"balance": npl_balance, "ratio": npl_ratio},
        "previous_month_end": {
            "date": month_end.isoformat(),
            "outstanding_principal": outstanding(loans_at_month_end),
            "npl": {"balance": prev_balance, "ratio": prev_ratio},
        },
        "change": {
            "npl_balance": npl_balance - prev_balance,
            "npl_ratio": (npl_ratio - prev_ratio) if npl_ratio is not None and prev_ratio is not None else None,
        },
        "roll_rates": roll_rates(loans_at_month_end, loans),
    }


def _group(loans: list[LoanAsOf], keys: tuple[str, ...], key_of: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {k: {"count": 0, "balance": ZERO} for k in keys}
    for loan in loans:
        if not loan.active:
            continue
        row = out.setdefault(key_of(loan), {"count": 0, "balance": ZERO})
        row["count"] += 1
        row["balance"] += loan.outstanding
    return out


def roll_rates(start: list[LoanAsOf], end: list[LoanAsOf]) -> dict[str, Any]:
    """Where the loans of each DPD bucket at the start went by the end.

    For each start bucket: the count moving to each end bucket (or paid_off / written_off),
    the roll-forward rate (share that moved to a worse bucket or was written off) and the
    cure rate (share back to current or paid off). Loans active at the start only.
    """
    now = {loan.loan_id: loan for loan in end}
    order = {b: i for i, b in enumerate(BUCKETS)}
    out: dict[str, Any] = {}
    for bucket in BUCKETS:
        cohort = [loan for loan in start if loan.active and loan.bucket == bucket]
        moves: dict[str, int] = {b: 0 for b in (*BUCKETS, *CLOSED)}
        worse = cured = 0
        for loan in cohort:
            later = now.get(loan.loan_id, loan)
            to = later.status if later.status in CLOSED else later.bucket
            moves[to] += 1
            if to == "written_off" or (to in order and order[to] > order[bucket]):
                worse += 1
            if bucket != "current" and to in ("current", "paid_off"):
                cured += 1
        out[bucket] = {"count": len(cohort), "to": moves, "roll_forward_rate": ratio(worse, len(cohort)),
                       "cure_rate": ratio(cured, len(cohort)) if bucket != "current" else None}
    return out

