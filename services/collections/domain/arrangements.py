"""Arrangements (issue 15): an instalment plan or a settlement (减免, a waiver) agreed with the borrower.

A promise is one amount by one date (domain/promises.py); an arrangement is a plan of several
instalments over what the borrower owes, maybe with part of it waived. The rules:
- What it covers: the amount owed on the case when proposed (`CaseState.amount_owed`: principal
  outstanding + overdue interest + charges outstanding, servicing's figures as the case observed
  them). Σ instalments + waiver must equal it to the fen; interest of periods not yet due is not
  owed under an arrangement (servicing suspends it; it returns if the arrangement is broken).
- Instalments: amounts > 0 in fen, due dates strictly after the business date and in order; an
  instalment plan has at least two (a single payment is a promise, or a settlement); the first
  instalment at least pays the charges the waiver leaves (servicing takes charges first).
- Approval limits by role are configuration (`ArrangementLimits`): on the waiver, a collector up
  to `collector` (0 by default: none), a supervisor up to `supervisor_share` of the amount owed
  and `supervisor` (both), a credit manager up to `credit_manager` (unlimited by default). Within
  the proposer's own limit the arrangement is approved at once; above it, it waits for a second
  person whose limit covers it. Segregation of duties: nobody approves their own proposal.
- One live arrangement per case (pending or approved). An approved one is broken when servicing
  reports one of its instalments missed, completed when the loan is paid off, and *declined* when
  servicing could not honour it (`loan.arrangement.declined`: e.g. a payment between proposal and
  approval left the last instalment at or below zero) — then no plan is in place: the escalation
  policy no longer pauses for it, and the case shows why with the amounts (owed now vs planned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from shared.contracts import arrangements as ev
from shared.contracts.arrangements import ArrangementInstalment, ArrangementKind
from shared.errors import Forbidden, NotFound
from shared.money import FEN, ZERO

if TYPE_CHECKING:
    from services.collections.domain.case import Case

ArrangementStatus = Literal["pending_approval", "approved", "rejected", "broken", "completed", "declined"]
LIVE = ("pending_approval", "approved")
APPROVER_ROLES = ("collections_supervisor", "credit_manager")


class Arrangement(BaseModel):
    arrangement_id: str
    kind: ArrangementKind
    instalments: list[ArrangementInstalment]
    waive: Decimal
    owed: Decimal
    status: ArrangementStatus = "pending_approval"
    proposed_by: str
    proposed_on: date
    approver_role: str | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    within_proposer_limit: bool = False
    rejected_by: str | None = None
    rejected_on: date | None = None
    reason: str | None = None
    broken_on: date | None = None
    missed_instalment: int | None = None
    completed_on: date | None = None
    declined_on: date | None = None  # servicing could not honour it: `reason` says why (decline_reason)
    decline_reason: str | None = None
    owed_now: Decimal | None = None  # what the loan owed when servicing tried, against `planned`
    planned: Decimal | None = None
    recovered: Decimal = ZERO  # paid on the loan while the arrangement held

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.instalments), ZERO)


@dataclass(frozen=True)
class ArrangementLimits:
    """How much of a waiver each role may approve (LOANFLOW_COLLECTIONS_ARRANGEMENT_…); None: no limit."""

    collector: Decimal = ZERO
    supervisor_share: Decimal = Decimal("0.20")
    supervisor: Decimal = Decimal("5000.00")
    credit_manager: Decimal | None = None
    max_instalments: int = 36

    def role_limit(self, role: str, owed: Decimal) -> Decimal | None:
        """A role's waiver limit on an amount owed (ZERO: may approve no waiver; None: any)."""
        if role == "credit_manager":
            return self.credit_manager
        if role == "collections_supervisor":
            return min(self.supervisor, (owed * self.supervisor_share).quantize(FEN))
        if role == "collector":
            return self.collector
        return ZERO

    def covers(self, roles: frozenset[str], waive: Decimal, owed: Decimal) -> bool:
        """Whether anyone holding `roles` may approve a waiver of `waive` on `owed`."""
        for role in roles:
            limit = self.role_limit(role, owed)
            if limit is None or waive <= limit:
                return True
        return False

    def approver_for(self, waive: Decimal, owed: Decimal) -> str:
        """The first role (supervisor, then credit manager) whose limit covers the waiver."""
        for role in APPROVER_ROLES:
            limit = self.role_limit(role, owed)
            if limit is None or waive <= limit:
                return role
        return "credit_manager"


def validate(*, kind: ArrangementKind, instalments: list[ArrangementInstalment], waive: Decimal, owed: Decimal,
             charges_outstanding: Decimal, business_date: date, limits: ArrangementLimits) -> None:
    """Refuse (422, naming what is wrong) an arrangement that does not add up; nothing changes then."""
    if not instalments:
        raise InvalidCommand("arrangement_no_instalments", "an arrangement has at least one instalment")
    if kind == "instalment_plan" and len(instalments) < 2:
        raise InvalidCommand("arrangement_plan_too_short",
                             "an instalment plan has at least two instalments (one payment is a promise)")
    if len(instalments) > limits.max_instalments:
        raise InvalidCommand("arrangement_too_many_instalments",
                             f"at most {limits.max_instalments} instalments (configuration)")
    for i in instalments:
        if i.amount <= ZERO or i.amount != i.amount.quantize(FEN):
            raise InvalidCommand("arrangement_instalment_amount", f"instalment {i.number}: amount must be > 0.00")
        if i.due_date <= business_date:
            raise InvalidCommand("arrangement_instalment_date",
                                 f"instalment {i.number}: due {i.due_date} is not after the business date "
                                 f"{business_date}")
    dates = [i.due_date for i in instalments]
    if dates != sorted(set(dates)):
        raise InvalidCommand("arrangement_instalment_order", "instalment due dates must be distinct and in order")
    if waive < ZERO or waive != waive.quantize(FEN):
        raise InvalidCommand("arrangement_waive", "the waiver is an amount >= 0.00")
    if owed <= ZERO:
        raise InvalidCommand("arrangement_nothing_owed", "nothing is owed on the case")
    total = sum((i.amount for i in instalments), ZERO)
    if total + waive != owed:
        raise InvalidCommand("arrangement_total_mismatch",
                             f"instalments {total:.2f} + waiver {waive:.2f} must equal the amount owed {owed:.2f}")
    charges_left = max(charges_outstanding - waive, ZERO)
    if instalments[0].amount < charges_left:
        raise InvalidCommand("arrangement_first_instalment_below_charges",
                             f"the first instalment pays at least the charges the waiver leaves ({charges_left:.2f})")


class CaseArrangements:
    """Proposing, approving, rejecting, breaking and completing arrangements (`case.arrangements`)."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def live(self) -> Arrangement | None:
        return next((a for a in self.case.state.arrangements if a.status in LIVE), None)

    @property
    def approved(self) -> Arrangement | None:
        return next((a for a in self.case.state.arrangements if a.status == "approved"), None)

    def get(self, arrangement_id: str) -> Arrangement:
        found = next((a for a in self.case.state.arrangements if a.arrangement_id == arrangement_id), None)
        if found is None:
            raise NotFound(f"no arrangement {arrangement_id} on case {self.case.state.case_id}")
        return found

    def propose(self, *, arrangement_id: str, kind: ArrangementKind, instalments: list[tuple[date, Decimal]],
                waive: Decimal, by: str, roles: frozenset[str], business_date: date,
                limits: ArrangementLimits) -> Arrangement:
        """Record a proposal; approved at once when the waiver is within the proposer's own limit."""
        self.case.require_open()
        s = self.case.state
        if self.live is not None:
            raise CaseRuleViolation("arrangement_exists", f"case already has arrangement {self.live.arrangement_id} "
                                    f"({self.live.status})", arrangement_id=self.live.arrangement_id)
        if s.dispute is not None:
            raise CaseRuleViolation("case_disputed", "the debt is disputed: settle the dispute first")
        plan = [ArrangementInstalment(number=n, due_date=d, amount=a) for n, (d, a) in enumerate(instalments, 1)]
        owed = s.amount_owed
        validate(kind=kind, instalments=plan, waive=waive, owed=owed, charges_outstanding=s.charges_outstanding,
                 business_date=business_date, limits=limits)
        own = limits.covers(roles, waive, owed)
        self.case.record(ev.ArrangementProposed(
            **self.case.ids(), arrangement_id=arrangement_id, kind=kind, instalments=plan, waive=waive, owed=owed,
            proposed_by=by, proposed_on=business_date,
            approver_role=None if own else limits.approver_for(waive, owed)))
        arrangement = self.get(arrangement_id)
        if own:
            self._approve(arrangement, by=by, on=business_date, within=True)
        return arrangement

    def approve(self, arrangement_id: str, *, by: str, roles: frozenset[str], business_date: date,
                limits: ArrangementLimits) -> Arrangement:
        """A second person whose limit covers the waiver approves; nobody approves their own proposal."""
        self.case.require_open()
        a = self.get(arrangement_id)
        if a.status != "pending_approval":
            raise CaseRuleViolation("arrangement_not_pending", f"arrangement {arrangement_id} is {a.status}")
        if a.proposed_by == by:
            raise Forbidden("segregation of duties: nobody approves their own proposal", code="own_proposal",
                            details=[{"rule": "own_proposal", "proposed_by": a.proposed_by}])
        if not limits.covers(roles, a.waive, a.owed):
            raise Forbidden(f"a waiver of {a.waive:.2f} on {a.owed:.2f} is above your approval limit; it needs "
                            f"{limits.approver_for(a.waive, a.owed)}", code="approval_limit",
                            details=[{"rule": "approval_limit", "needs": limits.approver_for(a.waive, a.owed)}])
        self._approve(a, by=by, on=business_date, within=False)
        return a

    def _approve(self, a: Arrangement, *, by: str, on: date, within: bool) -> None:
        self.case.record(ev.ArrangementApproved(
            **self.case.ids(), arrangement_id=a.arrangement_id, kind=a.kind, instalments=a.instalments,
            waive=a.waive, owed=a.owed, proposed_by=a.proposed_by, approved_by=by, approved_on=on,
            within_proposer_limit=within))

    def reject(self, arrangement_id: str, *, by: str, reason: str, business_date: date) -> Arrangement:
        a = self.get(arrangement_id)
        if a.status != "pending_approval":
            raise CaseRuleViolation("arrangement_not_pending", f"arrangement {arrangement_id} is {a.status}")
        self.case.record(ev.ArrangementRejected(**self.case.ids(), arrangement_id=arrangement_id, rejected_by=by,
                                                rejected_on=business_date, reason=reason))
        return a

    def observe_missed(self, due_date: date, on: date) -> None:
        """Servicing reported an installment missed: one of the approved arrangement's instalments breaks it."""
        a = self.approved
        if a is None:
            return
        missed = next((i for i in a.instalments if i.due_date == due_date), None)
        if missed is None:
            return
        self.case.record(ev.ArrangementBroken(**self.case.ids(), arrangement_id=a.arrangement_id,
                                              instalment_number=missed.number, due_date=due_date, broken_on=on,
                                              waive=a.waive))

    def observe_declined(self, fact: ev.LoanArrangementDeclined, on: date) -> None:
        """Servicing could not honour the approved arrangement: declined, no plan in place (the loan keeps its
        terms). Only an approved one is declined; a redelivery or a late notice changes nothing."""
        a = next((a for a in self.case.state.arrangements if a.arrangement_id == fact.arrangement_id), None)
        if a is None or a.status != "approved":
            return
        self.case.record(ev.ArrangementDeclined(**self.case.ids(), arrangement_id=a.arrangement_id,
                                                reason=fact.reason, owed_now=fact.owed_now, planned=fact.planned,
                                                declined_on=on))

    def complete(self, on: date) -> None:
        """The loan was paid off while the arrangement held: completed."""
        a = self.approved
        if a is not None:
            self.case.record(ev.ArrangementCompleted(**self.case.ids(), arrangement_id=a.arrangement_id,
                                                     completed_on=on, waive=a.waive, recovered=a.recovered))
