"""Portfolio report: disbursed, active, outstanding, interest, matured collection rate, concentration."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.reporting.domain.book import ZERO, LoanAsOf, outstanding, ratio


@dataclass(frozen=True)
class Installment:
    loan_id: str
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal


@dataclass(frozen=True)
class Allocated:
    """Sum allocated by `as_of` to one loan's installment (None: not tied to one) of one kind."""

    loan_id: str
    installment_number: int | None
    kind: str
    amount: Decimal


def portfolio(as_of: date, loans: list[LoanAsOf], installments: list[Installment],
              allocated: list[Allocated], top_n: int = 10) -> dict[str, Any]:
    """The portfolio figures at the end of `as_of` (DOMAIN.md §2 and §4)."""
    active = [loan for loan in loans if loan.active]
    book = outstanding(loans)
    received: dict[str, Decimal] = defaultdict(lambda: ZERO)
    paid: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    paid_interest: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for a in allocated:
        received[a.kind] += a.amount
        if a.installment_number is not None and a.kind in ("principal", "interest"):
            paid[(a.loan_id, a.installment_number)] += a.amount
            if a.kind == "interest":
                paid_interest[(a.loan_id, a.installment_number)] += a.amount
    matured_due, matured_collected, receivable = _matured(as_of, loans, installments, paid, paid_interest)
    return {
        "as_of": as_of.isoformat(),
        "loans_disbursed": {"count": len(loans), "amount": sum((loan.principal for loan in loans), ZERO)},
        "active_loans": len(active),
        "active_borrowers": len({loan.borrower_key for loan in active}),
        "outstanding_principal": book,
        "interest_received": received["interest"],
        "penalty_interest_received": received["penalty_interest"],
        "charges_received": received["charge"],
        "interest_receivable": receivable,
        "interest_scheduled_unreceived": _scheduled_unreceived(loans, installments, paid_interest),
        "matured": {"due": matured_due, "collected": matured_collected,
                    "collection_rate": ratio(matured_collected, matured_due)},
        "concentration": concentration(active, book, top_n),
        "by_product": _by_product(loans),
    }


def _matured(as_of: date, loans: list[LoanAsOf], installments: list[Installment],
             paid: dict[tuple[str, int], Decimal],
             paid_interest: dict[tuple[str, int], Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """Installments due by `as_of`: amount due, amount collected, interest still receivable.

    DOMAIN.md §2: the lender tracks "interest received and interest receivable, collection
    rate of matured loans (到期贷款收回率)". Collected counts principal and interest paid on
    matured installments (capped at what each was due); installments falling due after a
    loan was paid off or written off are not due; written-off loans owe no receivable.
    """
    by_id = {loan.loan_id: loan for loan in loans}
    status = {loan.loan_id: loan.status for loan in loans}
    due = collected = receivable = ZERO
    for inst in installments:
        loan = by_id.get(inst.loan_id)
        if inst.due_date > as_of or loan is None or (loan.closed_on is not None and inst.due_date > loan.closed_on):
            continue
        total = inst.principal + inst.interest
        key = (inst.loan_id, inst.number)
        due += total
        collected += min(paid[key], total)
        if status[inst.loan_id] != "written_off":
            receivable += max(ZERO, inst.interest - paid_interest[key])
    return due, collected, receivable


def _scheduled_unreceived(loans: list[LoanAsOf], installments: list[Installment],
                          paid_interest: dict[tuple[str, int], Decimal]) -> Decimal:
    """Interest the schedules of the active loans still hold, due or not, less what was received on it."""
    active = {loan.loan_id for loan in loans if loan.active}
    return sum((max(ZERO, inst.interest - paid_interest[(inst.loan_id, inst.number)])
                for inst in installments if inst.loan_id in active), ZERO)


def concentration(active: list[LoanAsOf], book: Decimal, top_n: int = 10) -> dict[str, Any]:
    """Share of the outstanding book held by the `top_n` largest borrowers (DOMAIN.md §4)."""
    per_borrower: dict[str, Decimal] = defaultdict(lambda: ZERO)
    labels: dict[str, str] = {}
    for loan in active:
        per_borrower[loan.borrower_key] += loan.outstanding
        labels[loan.borrower_key] = loan.borrower_label
    top = sorted(per_borrower.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]
    held = sum((amount for _, amount in top), ZERO)
    return {
        "top_n": top_n,
        "top_outstanding": held,
        "share": ratio(held, book),
        "borrowers": [{"borrower": labels[key], "outstanding": amount, "share": ratio(amount, book)}
                      for key, amount in top],
    }


def _by_product(loans: list[LoanAsOf]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for loan in loans:
        row = out.setdefault(loan.product, {"disbursed_count": 0, "disbursed_amount": ZERO, "active_loans": 0,
                                            "outstanding_principal": ZERO})
        row["disbursed_count"] += 1
        row["disbursed_amount"] += loan.principal
        if loan.active:
            row["active_loans"] += 1
            row["outstanding_principal"] += loan.outstanding
    return dict(sorted(out.items()))
