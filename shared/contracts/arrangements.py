"""Arrangements (issue 15): collections' plans of several instalments or settlements (减免), and
servicing's facts about honouring them.

Collections publishes `collections.arrangement.*` on `loanflow.collections`; servicing publishes
`loan.arrangement.*` on `loanflow.servicing`; both keyed by loan id. An approved arrangement carries
everything servicing needs to honour it (instalments, waiver, the amount owed it was agreed on).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from shared.contracts.registry import EventData, event
from shared.money import Money

ArrangementKind = Literal["instalment_plan", "settlement"]


class ArrangementInstalment(BaseModel):
    """One instalment of an arrangement: a fen amount due on a business date."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    number: int
    due_date: date
    amount: Money


class WaivedSplit(BaseModel):
    """What a waiver took off the loan, by kind (charges first, then interest, then principal)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    charges: Money
    interest: Money
    principal: Money


@event("collections.arrangement.proposed")
class ArrangementProposed(EventData):
    """A collector (or supervisor) proposed an arrangement; `owed`: the amount owed on the case when proposed
    (principal outstanding + overdue interest + charges outstanding) = Σ instalments + waive.
    `approver_role`: who must approve it (None: within the proposer's own limit, approved at once)."""

    case_id: str
    loan_id: str
    arrangement_id: str
    kind: ArrangementKind
    instalments: list[ArrangementInstalment]
    waive: Money
    owed: Money
    proposed_by: str
    proposed_on: date
    approver_role: str | None = None


@event("collections.arrangement.approved")
class ArrangementApproved(EventData):
    """Approved (by a second person, or at once within the proposer's limit: `approved_by` = proposer and
    `within_proposer_limit`). Servicing honours it: waiver applied, instalments become the due dates."""

    case_id: str
    loan_id: str
    arrangement_id: str
    kind: ArrangementKind
    instalments: list[ArrangementInstalment]
    waive: Money
    owed: Money
    proposed_by: str
    approved_by: str
    approved_on: date
    within_proposer_limit: bool = False


@event("collections.arrangement.rejected")
class ArrangementRejected(EventData):
    case_id: str
    loan_id: str
    arrangement_id: str
    rejected_by: str
    rejected_on: date
    reason: str


@event("collections.arrangement.broken")
class ArrangementBroken(EventData):
    """An instalment of an approved arrangement was missed: the original terms return (servicing restores
    what was waived)."""

    case_id: str
    loan_id: str
    arrangement_id: str
    instalment_number: int
    due_date: date
    broken_on: date
    waive: Money


@event("collections.arrangement.completed")
class ArrangementCompleted(EventData):
    """Every instalment paid: the loan is paid off under the arrangement."""

    case_id: str
    loan_id: str
    arrangement_id: str
    completed_on: date
    waive: Money
    recovered: Money  # paid on the loan while the arrangement held


@event("loan.arrangement.applied")
class LoanArrangementApplied(EventData):
    """Servicing honoured an approved arrangement: the waiver taken off (split by kind), what was left of the
    loan laid onto the arrangement's instalments, numbered after the schedule's (`installment_number`).

    `owed_before`: principal outstanding + overdue interest + charges left when applied; `adjustment`: how
    much the last instalment differs from the agreed one because the loan's figure moved between the
    proposal and now (0.00 normally); `interest_suspended`: interest of periods not yet due, not owed under
    the arrangement (it comes back if the arrangement is broken)."""

    loan_id: str
    arrangement_id: str
    case_id: str
    owed_before: Money
    waived: WaivedSplit
    waived_total: Money
    instalments: list[ArrangementInstalment]
    first_installment_number: int
    adjustment: Money
    interest_suspended: Money
    applied_on: date


DeclineReason = Literal["plan_no_longer_fits", "another_arrangement_held", "loan_closed"]


@event("collections.arrangement.declined")
class ArrangementDeclined(EventData):
    """Servicing could not honour an approved arrangement (`loan.arrangement.declined`): the case records it so
    nobody believes a plan is in place. `owed_now`: what the loan owed when servicing tried; `planned`: Σ
    instalments + waive as approved (the amount owed it was agreed on)."""

    case_id: str
    loan_id: str
    arrangement_id: str
    reason: DeclineReason
    owed_now: Money
    planned: Money
    declined_on: date


@event("loan.arrangement.declined")
class LoanArrangementDeclined(EventData):
    """Servicing could not honour an approved arrangement; the loan stays on its terms. Reasons:
    `plan_no_longer_fits` — the loan's figure fell between the proposal and the approval (a payment) so far that
    the last instalment, absorbing the difference, would be at or below zero; `another_arrangement_held` — the
    loan already honours another arrangement; `loan_closed` — paid off or written off meanwhile.

    `owed_now`: what an arrangement would cover today (charges + overdue interest + principal outstanding);
    `planned`: Σ instalments + waive as approved; `last_instalment`: the approved last instalment, and
    `adjustment` = owed_now − planned, the difference it would have had to absorb."""

    loan_id: str
    arrangement_id: str
    case_id: str
    reason: DeclineReason
    owed_now: Money
    planned: Money
    last_instalment: Money
    adjustment: Money
    declined_on: date


@event("loan.arrangement.reverted")
class LoanArrangementReverted(EventData):
    """A broken arrangement: the original terms return; what was waived is restored (split by kind) and
    what was paid under the arrangement counts against the original installments. The figures after."""

    loan_id: str
    arrangement_id: str
    case_id: str
    restored: WaivedSplit
    paid_under_arrangement: Money
    reverted_on: date
    principal_outstanding: Money
    amount_overdue: Money
    days_past_due: int
    overdue_since: date | None = None
    interest_overdue: Money | None = None  # of amount_overdue, the interest
    charges_outstanding: Money | None = None  # charges left (罚息 and fees), the waived ones restored
