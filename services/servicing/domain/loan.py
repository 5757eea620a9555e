"""The loan aggregate: its schedule, charges and payments, folded from its own events.

DOMAIN.md §2: "A missed due date makes the loan overdue; days past due (DPD) count from
the first unpaid due date." A loan is overdue on business date D when an installment due
before D is not fully paid; DPD = D − that installment's due date.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from services.servicing.domain import arrangement as arrangement_rules
from services.servicing.domain.allocation import DEFAULT_ORDER, Line, Owed, allocate
from services.servicing.domain.arrangement import HeldArrangement
from services.servicing.domain.errors import InvalidAmount, LoanClosed, Overpayment
from shared.contracts.arrangements import (
    LoanArrangementApplied,
    LoanArrangementDeclined,
    LoanArrangementReverted,
)
from shared.contracts.registry import EventData
from shared.contracts.servicing import (
    AllocationLine,
    ChargeApplied,
    CreditRecordCorrected,
    CreditRecordReported,
    LoanPaidOff,
    LoanWrittenOff,
    PaymentReceived,
    ScheduleCreated,
)
from shared.money import ZERO

LoanStatus = Literal["current", "overdue", "paid_off", "written_off"]


@dataclass
class Installment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    principal_paid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    interest_waived: Decimal = ZERO
    # issue 15: what an arrangement took off this installment (waived, suspended or laid onto the arrangement's
    # instalments); back to zero when the arrangement is broken. `plan`: the arrangement an instalment belongs to.
    principal_moved: Decimal = ZERO
    interest_moved: Decimal = ZERO
    plan: str | None = None

    @property
    def principal_left(self) -> Decimal:
        return self.principal - self.principal_paid - self.principal_moved

    @property
    def interest_left(self) -> Decimal:
        return self.interest - self.interest_paid - self.interest_waived - self.interest_moved

    @property
    def settled(self) -> bool:
        return self.principal_left <= 0 and self.interest_left <= 0


@dataclass
class Charge:
    charge_id: str
    kind: str  # penalty_interest | failed_debit_fee | other
    amount: Decimal
    applied_on: date
    installment_number: int | None = None
    paid: Decimal = ZERO
    waived: Decimal = ZERO  # by an arrangement (restored if it is broken)

    @property
    def left(self) -> Decimal:
        return self.amount - self.paid - self.waived

    @property
    def waterfall_kind(self) -> str:
        return "penalty_interest" if self.kind == "penalty_interest" else "charge"


@dataclass
class Loan:
    loan_id: str
    version: int = 0
    principal: Decimal = ZERO
    repayment_method: str = ""
    installments: list[Installment] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)
    total_paid: Decimal = ZERO
    closed: str | None = None  # paid_off | written_off
    closed_on: date | None = None
    open_credit_records: list[str] = field(default_factory=list)  # negative records reported, not yet corrected
    arrangement: HeldArrangement | None = None  # an arrangement the loan is honouring (issue 15)
    declined_arrangements: list[str] = field(default_factory=list)  # approved ones it could not honour

    # ---- folding --------------------------------------------------------------------------
    @classmethod
    def fold(cls, loan_id: str, history: Iterable[tuple[EventData, date]]) -> Loan:
        """The loan as its events left it; `history` yields (data, business date) in order."""
        loan = cls(loan_id)
        for data, businessdate in history:
            loan.apply(data, businessdate)
        return loan

    def apply(self, data: EventData, businessdate: date) -> None:
        """Apply one recorded event (types with no state effect only bump the version)."""
        self.version += 1
        if isinstance(data, ScheduleCreated):
            self.principal = data.principal
            self.repayment_method = data.repayment_method
            self.installments = [Installment(i.number, i.due_date, i.principal, i.interest)
                                 for i in data.installments]
        elif isinstance(data, ChargeApplied):
            self.charges.append(Charge(data.charge_id, data.kind, data.amount, businessdate,
                                       data.installment_number))
        elif isinstance(data, PaymentReceived):
            self.total_paid += data.amount
            for line in data.allocation:
                self._settle(line.kind, line.installment_number, line.amount)
        elif isinstance(data, LoanPaidOff):
            self.closed, self.closed_on = "paid_off", data.paid_off_on
            for inst in self.installments:
                inst.interest_waived += inst.interest_left
        elif isinstance(data, LoanWrittenOff):
            self.closed, self.closed_on = "written_off", data.written_off_on
        elif isinstance(data, CreditRecordReported):
            self.open_credit_records.append(data.record_id)
        elif isinstance(data, CreditRecordCorrected):
            self.open_credit_records.remove(data.corrects)
        elif isinstance(data, LoanArrangementApplied):
            arrangement_rules.lay(self, data, data.applied_on)
        elif isinstance(data, LoanArrangementReverted):
            arrangement_rules.restore(self)
        elif isinstance(data, LoanArrangementDeclined):
            self.declined_arrangements.append(data.arrangement_id)

    def _settle(self, kind: str, number: int | None, amount: Decimal) -> None:
        if kind in ("charge", "penalty_interest"):
            for charge in self.charges:
                if amount <= 0:
                    break
                if charge.waterfall_kind == kind and charge.left > 0:
                    take = min(amount, charge.left)
                    charge.paid += take
                    amount -= take
            return
        inst = self.installments[(number or 1) - 1]
        if kind == "interest":
            inst.interest_paid += amount
        else:
            inst.principal_paid += amount

    # ---- queries --------------------------------------------------------------------------
    @property
    def exists(self) -> bool:
        return bool(self.installments)

    @property
    def principal_outstanding(self) -> Decimal:
        return sum((i.principal_left for i in self.installments), ZERO)

    @property
    def in_force(self) -> list[Installment]:
        """The installments the loan is due on: the schedule's, or an arrangement's while it holds."""
        plan = self.arrangement.arrangement_id if self.arrangement else None
        return [i for i in self.installments if i.plan == plan]

    def overdue_installments(self, on: date) -> list[Installment]:
        return [i for i in self.in_force if i.due_date < on and not i.settled]

    def overdue_since(self, on: date) -> date | None:
        """Due date of the oldest installment due before `on` and not fully paid."""
        overdue = self.overdue_installments(on)
        return overdue[0].due_date if overdue else None

    def days_past_due(self, on: date) -> int:
        since = self.overdue_since(on)
        return (on - since).days if since else 0

    def status(self, on: date) -> LoanStatus:
        if self.closed == "paid_off":
            return "paid_off"
        if self.closed == "written_off":
            return "written_off"
        return "overdue" if self.overdue_since(on) else "current"

    def current_period_due(self, on: date) -> date | None:
        """Due date of the installment whose period contains `on` (None after the last)."""
        return next((i.due_date for i in self.in_force if i.due_date >= on), None)

    def owed_now(self, on: date) -> list[Owed]:
        """Charges, penalty interest, and interest and principal of installments due up to this period."""
        owed = [Owed(c.waterfall_kind, None, c.left) for c in self.charges if c.left > 0]
        horizon = self.current_period_due(on)
        for inst in self.in_force:
            if horizon is not None and inst.due_date > horizon:
                break
            early = inst.due_date > on
            owed += [Owed("interest", inst.number, inst.interest_left, early),
                     Owed("principal", inst.number, inst.principal_left, early)]
        return [o for o in owed if o.amount > 0]

    def prepayable(self, on: date) -> list[Owed]:
        """Principal of installments after the current period (early repayment)."""
        horizon = self.current_period_due(on)
        if horizon is None:
            return []
        return [Owed("principal", i.number, i.principal_left) for i in self.in_force
                if i.due_date > horizon and i.principal_left > 0]

    def payoff_amount(self, on: date) -> Decimal:
        """Everything that settles the loan on `on`."""
        return sum((o.amount for o in self.owed_now(on) + self.prepayable(on)), ZERO)

    def overdue_by_kind(self, on: date) -> dict[str, Decimal]:
        late = self.overdue_installments(on)
        return {
            "principal": sum((i.principal_left for i in late), ZERO),
            "interest": sum((i.interest_left for i in late), ZERO),
            "penalty_interest": sum((c.left for c in self.charges if c.kind == "penalty_interest"), ZERO),
            "charges": sum((c.left for c in self.charges if c.kind != "penalty_interest"), ZERO),
        }

    # ---- decisions ------------------------------------------------------------------------
    def receive_payment(self, *, payment_id: str, partner_id: str, external_ref: str, amount: Decimal,
                        paid_at: datetime, on: date, order: Sequence[str] = DEFAULT_ORDER) -> list[EventData]:
        """Allocate a repayment by the waterfall; the last fen also records the payoff.

        A paid-off loan refuses (LoanClosed); more than the payoff amount is refused
        (Overpayment). A written-off loan still accepts recoveries.
        """
        if amount <= 0:
            raise InvalidAmount("the amount must be positive")
        if self.closed == "paid_off":
            raise LoanClosed(f"loan {self.loan_id} is paid off")
        lines, unplaced = allocate(amount, self.owed_now(on), self.prepayable(on), order)
        if unplaced > 0:
            raise Overpayment(f"payment of {amount} exceeds the {self.payoff_amount(on)} owed on {on}")
        after = self._copy()
        for line in lines:
            after._settle(line.kind, line.installment_number, line.amount)
        paid_off = not self.closed and after.principal_outstanding == 0 and not after.owed_now(on)
        since = after.overdue_since(on)
        events: list[EventData] = [PaymentReceived(
            loan_id=self.loan_id, payment_id=payment_id, partner_id=partner_id, external_ref=external_ref,
            amount=amount, paid_at=paid_at, allocation=[_line(ln) for ln in lines],
            principal_outstanding=after.principal_outstanding,
            days_past_due=(on - since).days if since and not paid_off else 0,
            overdue_since=None if paid_off else since,
            status="paid_off" if paid_off else after.status(on),
            arrangement_id=self.arrangement.arrangement_id if self.arrangement else None)]
        if paid_off:
            waived = sum((i.interest_left for i in after.installments), ZERO)
            events.append(LoanPaidOff(loan_id=self.loan_id, paid_off_on=on, total_paid=self.total_paid + amount,
                                      interest_waived=waived))
        return events

    def write_off(self, *, on: date, case_id: str | None, decided_by: str | None) -> list[EventData]:
        """Move the balance off book; nothing happens when already written off or paid off."""
        if self.closed:
            return []
        owed = self.owed_now(on)
        charges = sum((o.amount for o in owed if o.kind in ("charge", "penalty_interest")), ZERO)
        interest = sum((o.amount for o in owed if o.kind == "interest"), ZERO)
        return [LoanWrittenOff(loan_id=self.loan_id, written_off_on=on, principal=self.principal_outstanding,
                               interest=interest, charges=charges, case_id=case_id, decided_by=decided_by)]

    def _copy(self) -> Loan:
        return Loan.fold(self.loan_id, ()) if not self.installments else Loan(
            self.loan_id, self.version, self.principal, self.repayment_method,
            [Installment(**vars(i)) for i in self.installments], [Charge(**vars(c)) for c in self.charges],
            self.total_paid, self.closed, self.closed_on, arrangement=copy.deepcopy(self.arrangement),
            declined_arrangements=list(self.declined_arrangements))


def _line(line: Line) -> AllocationLine:
    return AllocationLine(installment_number=line.installment_number, kind=line.kind,  # type: ignore[arg-type]
                          amount=line.amount)
