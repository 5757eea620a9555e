"""Honouring an arrangement collections approved (issue 15): the waiver, the new due dates, the way back.

What an arrangement covers (`base`): the charges left (罚息 and fees), the unpaid interest of the
installments already due, and all outstanding principal — the amount collections agreed it on.
Interest of periods not yet due is not owed under an arrangement: it is *suspended* (as on an
early payoff) and comes back if the arrangement is broken.

The waiver (减免) is applied **charges first, then interest, then principal** (charges in the order
they were applied, then the oldest installment first). Why: it is the reverse of what a lender gives
up least willingly — charges (penalty interest, failed-debit fees) are the lender's own sanction and
carry no funding cost; interest is income not yet earned in cash; principal is the money lent, a
direct loss written down last. It also matches the waterfall (charges are paid first, so they are
waived first) and Chinese practice on 减免 (罚息 and 复利 are waived before 本金).

What is left after the waiver is laid onto the arrangement's instalments, in the waterfall's order:
the charges stay charges (a payment takes them first), then overdue interest, then principal are cut
into the instalments, which become new installments of the loan numbered after the schedule's (their
`plan` is the arrangement), and the schedule's own installments stop being due (their remaining
amounts are *moved*). Day-close then judges the arrangement's due dates the usual way: an unpaid
instalment is reported as `loan.payment.missed` with its own number and due date.

If the loan's figure moved between the proposal and now (a payment, a day's 罚息), the last instalment
takes the difference (`adjustment` on `loan.arrangement.applied`). An approved arrangement the loan cannot
honour is *declined*, never dropped in silence: `loan.arrangement.declined` names why and the amounts, so
collections tells the collector no plan is in place — `plan_no_longer_fits` (the difference would leave the
last instalment at or below zero: e.g. a payment between the proposal and the approval), `another_arrangement_held`
or `loan_closed`. The loan stays on its terms.

Broken (`collections.arrangement.broken`): the original terms return — the moved amounts go back to
the schedule's installments, what was waived is restored, what is left of the arrangement's
instalments is cancelled, and what was paid on them counts against the original installments,
interest and principal oldest first (charges were paid as charges all along).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from shared.contracts.arrangements import (
    ArrangementApproved,
    ArrangementInstalment,
    DeclineReason,
    LoanArrangementApplied,
    LoanArrangementDeclined,
    LoanArrangementReverted,
    WaivedSplit,
)
from shared.contracts.registry import EventData
from shared.money import ZERO

if TYPE_CHECKING:
    from services.servicing.domain.loan import Loan


@dataclass
class HeldArrangement:
    """The arrangement a loan honours, and what it took off the schedule (to give it back if broken)."""

    arrangement_id: str
    case_id: str
    applied_on: date
    total_paid_before: Decimal
    waived: tuple[Decimal, Decimal, Decimal]  # charges, interest, principal
    charge_waived: dict[str, Decimal] = field(default_factory=dict)
    moved: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)  # number -> (principal, interest)


def base(loan: Loan, on: date) -> Decimal:
    """What an arrangement covers on `on`: charges left + unpaid interest of installments due before `on` +
    outstanding principal (of the installments in force)."""
    charges = sum((c.left for c in loan.charges), ZERO)
    interest = sum((i.interest_left for i in loan.in_force if i.due_date < on), ZERO)
    principal = sum((i.principal_left for i in loan.in_force), ZERO)
    return charges + interest + principal


def outstanding(loan: Loan) -> Decimal:
    """What the loan still owes under what is in force, whatever the date: charges, interest, principal."""
    return sum((c.left for c in loan.charges), ZERO) + sum(
        (i.interest_left + i.principal_left for i in loan.in_force), ZERO)


def apply(loan: Loan, approved: ArrangementApproved, on: date) -> list[EventData]:
    """The `loan.arrangement.applied` that honours an approved arrangement on `on`, or the
    `loan.arrangement.declined` saying why it cannot (none for a redelivery, or a loan servicing does not hold)."""
    arrangement_id = approved.arrangement_id
    if not loan.exists or arrangement_id in loan.declined_arrangements or (
            loan.arrangement is not None and loan.arrangement.arrangement_id == arrangement_id):
        return []  # a redelivery: already honoured or declined
    owed = ZERO if loan.closed else base(loan, on)
    waive = min(approved.waive, owed)
    amounts = [i.amount for i in approved.instalments]
    adjustment = owed - waive - sum(amounts, ZERO)
    if loan.closed:
        return [decline(loan, approved, "loan_closed", owed, on)]
    if loan.arrangement is not None:
        return [decline(loan, approved, "another_arrangement_held", owed, on)]
    if amounts[-1] + adjustment <= ZERO:
        return [decline(loan, approved, "plan_no_longer_fits", owed, on)]
    amounts[-1] += adjustment
    trial = loan._copy()
    first = len(loan.installments) + 1
    instalments = [ArrangementInstalment(number=first + k, due_date=i.due_date, amount=a)
                   for k, (i, a) in enumerate(zip(approved.instalments, amounts, strict=True))]
    event = LoanArrangementApplied(
        loan_id=loan.loan_id, arrangement_id=approved.arrangement_id, case_id=approved.case_id, owed_before=owed,
        waived=WaivedSplit(charges=ZERO, interest=ZERO, principal=ZERO), waived_total=waive,
        instalments=instalments, first_installment_number=first, adjustment=adjustment, interest_suspended=ZERO,
        applied_on=on)
    suspended = lay(trial, event, on)
    assert trial.arrangement is not None
    charges, interest, principal = trial.arrangement.waived
    return [event.model_copy(update={
        "waived": WaivedSplit(charges=charges, interest=interest, principal=principal),
        "interest_suspended": suspended})]


def decline(loan: Loan, approved: ArrangementApproved, reason: DeclineReason, owed: Decimal,
            on: date) -> LoanArrangementDeclined:
    """Why an approved arrangement is not honoured, with what the loan owes now against what was planned."""
    planned = sum((i.amount for i in approved.instalments), ZERO) + approved.waive
    return LoanArrangementDeclined(
        loan_id=loan.loan_id, arrangement_id=approved.arrangement_id, case_id=approved.case_id, reason=reason,
        owed_now=owed, planned=planned, last_instalment=approved.instalments[-1].amount, adjustment=owed - planned,
        declined_on=on)


def lay(loan: Loan, event: LoanArrangementApplied, on: date) -> Decimal:
    """Apply `loan.arrangement.applied` to the loan (the module docstring); returns the interest suspended."""
    from services.servicing.domain.loan import Installment

    schedule = loan.in_force
    moved: dict[int, list[Decimal]] = {i.number: [ZERO, ZERO] for i in schedule}
    charge_waived: dict[str, Decimal] = {}
    left = event.waived_total
    waived = [ZERO, ZERO, ZERO]
    for c in loan.charges:  # the waiver: charges first ...
        take = min(left, c.left)
        if take > 0:
            c.waived += take
            charge_waived[c.charge_id] = take
            waived[0] += take
            left -= take
    for i in schedule:  # ... then interest already due, oldest first ...
        if i.due_date < on:
            take = min(left, i.interest_left)
            i.interest_moved += take
            moved[i.number][1] += take
            waived[1] += take
            left -= take
    for i in schedule:  # ... then principal, oldest first
        take = min(left, i.principal_left)
        i.principal_moved += take
        moved[i.number][0] += take
        waived[2] += take
        left -= take
    suspended = ZERO
    for i in schedule:  # interest of periods not yet due is not owed under the arrangement
        if i.due_date >= on:
            take = i.interest_left
            i.interest_moved += take
            moved[i.number][1] += take
            suspended += take
    pools = [["charges", sum((c.left for c in loan.charges), ZERO)],
             ["interest", sum((i.interest_left for i in schedule), ZERO)],
             ["principal", sum((i.principal_left for i in schedule), ZERO)]]
    for i in schedule:  # the rest is laid onto the arrangement's instalments
        moved[i.number][0] += i.principal_left
        moved[i.number][1] += i.interest_left
        i.principal_moved += i.principal_left
        i.interest_moved += i.interest_left
    for inst in event.instalments:
        need, parts = inst.amount, {"charges": ZERO, "interest": ZERO, "principal": ZERO}
        for pool in pools:
            take = min(need, pool[1])
            parts[pool[0]] += take  # type: ignore[index]
            pool[1] -= take  # type: ignore[operator]
            need -= take
        if need > 0:  # nothing of the loan left to lay: the rest is principal (cannot happen when it adds up)
            parts["principal"] += need
        loan.installments.append(Installment(inst.number, inst.due_date, parts["principal"], parts["interest"],
                                             plan=event.arrangement_id))
    loan.arrangement = HeldArrangement(
        arrangement_id=event.arrangement_id, case_id=event.case_id, applied_on=on,
        total_paid_before=loan.total_paid, waived=(waived[0], waived[1], waived[2]), charge_waived=charge_waived,
        moved={n: (p, q) for n, (p, q) in moved.items() if p or q})
    return suspended


def revert(loan: Loan, broken_arrangement_id: str, on: date) -> list[EventData]:
    """The `loan.arrangement.reverted` for a broken arrangement (none when the loan does not hold it)."""
    held = loan.arrangement
    if held is None or held.arrangement_id != broken_arrangement_id or loan.closed == "paid_off":
        return []
    trial = loan._copy()
    restore(trial)
    late = trial.overdue_installments(on)
    since = late[0].due_date if late else None
    charges, interest, principal = held.waived
    return [LoanArrangementReverted(
        loan_id=loan.loan_id, arrangement_id=held.arrangement_id, case_id=held.case_id,
        restored=WaivedSplit(charges=charges, interest=interest, principal=principal),
        paid_under_arrangement=loan.total_paid - held.total_paid_before, reverted_on=on,
        principal_outstanding=trial.principal_outstanding,
        amount_overdue=sum((i.principal_left + i.interest_left for i in late), ZERO),
        days_past_due=(on - since).days if since else 0, overdue_since=since,
        interest_overdue=sum((i.interest_left for i in late), ZERO),
        charges_outstanding=sum((c.left for c in trial.charges), ZERO))]


def restore(loan: Loan) -> None:
    """Apply `loan.arrangement.reverted`: the original terms return (the module docstring)."""
    held = loan.arrangement
    assert held is not None
    plan = [i for i in loan.installments if i.plan == held.arrangement_id]
    paid_principal = sum((i.principal_paid for i in plan), ZERO)
    paid_interest = sum((i.interest_paid for i in plan), ZERO)
    for i in plan:  # what is left of the arrangement's instalments is cancelled
        i.principal_moved += i.principal_left
        i.interest_moved += i.interest_left
    for c in loan.charges:
        c.waived -= held.charge_waived.get(c.charge_id, ZERO)
    for number, (p, q) in held.moved.items():
        inst = loan.installments[number - 1]
        inst.principal_moved -= p
        inst.interest_moved -= q
    loan.arrangement = None
    for i in loan.in_force:  # what was paid under the arrangement counts against the original terms
        take = min(paid_interest, i.interest_left)
        i.interest_paid += take
        paid_interest -= take
    for i in loan.in_force:
        take = min(paid_principal, i.principal_left)
        i.principal_paid += take
        paid_principal -= take
