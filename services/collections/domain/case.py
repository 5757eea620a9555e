"""The collections case aggregate: one delinquent episode of one loan, from first miss to close.

DOMAIN.md §3: "Cases are staged by how long the debt is overdue: front-end, mid-end,
back-end". A case opens on the first missed payment, escalates as days past due cross
the stage bounds, and is resolved cured / paid_off / written_off, then closed. Methods
decide and record past-tense contract events in `self.pending`; the state changes only by
applying them (domain/history.py), except servicing's figures it observes (POSITION_FIELDS).
Its collaborators: `actions` (collectors' actions, special paths), `reach` (contacts and contact
points), `complaint_desk` (complaints, apart from the debt), `letters`, `placements` (agencies),
`policy` (the escalation policy) and `legal` (the proceedings: referral, filing, payment order or judgment,
enforcement, closed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from services.collections.domain import history, statute
from services.collections.domain import promises as promise_rules
from services.collections.domain.arrangements import CaseArrangements
from services.collections.domain.commission import credit
from services.collections.domain.complaints import ComplaintDesk
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.legal import CaseLegal, in_proceedings
from services.collections.domain.letters import CaseLetters
from services.collections.domain.paths import CollectorActions
from services.collections.domain.placements import CasePlacements
from services.collections.domain.policy import Decision, Policy
from services.collections.domain.policy_actions import PolicyActions
from services.collections.domain.reach import Reach
from services.collections.domain.staging import Stage, stage_rank
from services.collections.domain.state import POSITION_FIELDS, CaseRules, CaseState, Pending
from shared.contracts import collections as ev
from shared.contracts.registry import EventData
from shared.money import ZERO, to_fen


class Case:
    """A case with the rules it follows and the events its commands recorded."""

    def __init__(self, state: CaseState, rules: CaseRules) -> None:
        self.state = state
        self.rules = rules
        self.pending = Pending()
        self.loaded_holder = state.assignee if state.status == "open" else None  # whose caseload it counts in
        # What the case records of the borrower is sealed with the borrower's data key before it is applied or
        # appended (issue 16; set by the service layer: adapters/sealing.seal_event); None records as given.
        self.sealer: Callable[[EventData], EventData] | None = None

    # The collaborators hold the case; made on each use, so the case holds none of them. A case that
    # held them would be a reference cycle, freed only by the cyclic garbage collector: with
    # hundreds of cases per consumer batch that meant collections of the whole heap, and their pauses
    # (tests/collections/test_case_memory.py).
    @property
    def actions(self) -> CollectorActions:
        return CollectorActions(self)

    @property
    def reach(self) -> Reach:
        return Reach(self)

    @property
    def complaint_desk(self) -> ComplaintDesk:
        return ComplaintDesk(self)

    @property
    def policy(self) -> PolicyActions:
        return PolicyActions(self)

    @property
    def letters(self) -> CaseLetters:
        return CaseLetters(self)

    @property
    def placements(self) -> CasePlacements:
        return CasePlacements(self)

    @property
    def legal(self) -> CaseLegal:
        return CaseLegal(self)

    @property
    def arrangements(self) -> CaseArrangements:
        return CaseArrangements(self)

    @property
    def is_open(self) -> bool:
        return self.state.status == "open"

    def record(self, event: ev.EventData, on: date | None = None) -> None:
        """Apply an event and keep it to append (its personal fields sealed first, see `sealer`); a new queue
        needs a collector.

        `on`: the business date it is recorded on, for the events whose step reads it (history.DATED).
        """
        if self.sealer is not None:
            event = self.sealer(event)
        queue = self.state.queue
        history.evolve(self.state, event, on, self.rules)
        self.pending.events.append(event)
        if self.state.queue != queue:
            self.pending.needs_assignment = True

    def observe(self, **figures: Any) -> None:
        """Servicing's figures on the loan (POSITION_FIELDS) are observed, not decided: set without an event."""
        if not figures.keys() <= POSITION_FIELDS:
            raise ValueError(f"{sorted(figures.keys() - POSITION_FIELDS)} change only by applying an event")
        for name, value in figures.items():
            setattr(self.state, name, value)

    def ids(self) -> dict[str, str]:
        return {"case_id": self.state.case_id, "loan_id": self.state.loan_id}

    def require_open(self) -> None:
        if not self.is_open:
            raise CaseRuleViolation("case_closed", f"case {self.state.case_id} is closed ({self.state.resolution})")

    def apply_policy(self, policy: Policy, business_date: date,
                     points: Sequence[ContactPoint] | None = None) -> list[Decision]:
        """Evaluate the escalation policy for the pending triggers and carry out its decisions.

        `points`: the case's contact points, where the policy's letters may go (PolicyActions.apply)."""
        return self.policy.apply(policy, business_date, points)

    # ---- lifecycle ------------------------------------------------------------------------

    @classmethod
    def open(cls, *, case_id: str, loan_id: str, episode: int, days_past_due: int, overdue_since: date,
             amount_overdue: Decimal, principal_outstanding: Decimal, business_date: date,
             rules: CaseRules, tags: list[str] | None = None, arm: ev.PolicyArm = "champion",
             principal_overdue: Decimal | None = None) -> Case:
        """Open a case for a new delinquent episode (first missed payment).

        Behaviour tags describe the borrower, so a later episode starts with the earlier one's tags.
        """
        event = ev.CaseOpened(case_id=case_id, loan_id=loan_id, stage=rules.bounds.stage_for(max(days_past_due, 1)),
                              days_past_due=days_past_due, amount_overdue=amount_overdue, opened_on=business_date,
                              episode=episode, tags=list(tags or []), arm=arm)
        case = cls(history.opened(event, overdue_since), rules)
        case.observe(principal_outstanding=principal_outstanding)
        if principal_overdue is not None:
            case.observe(interest_overdue=max(amount_overdue - principal_overdue, ZERO),
                         principal_overdue=principal_overdue)
        case.loaded_holder = None
        case.pending.events.append(event)
        case.pending.triggers.append("case_opened")
        case.pending.needs_assignment = True
        return case

    def observe_missed(self, *, days_past_due: int, overdue_since: date, amount_overdue: Decimal,
                       principal_outstanding: Decimal, principal_overdue: Decimal | None = None,
                       due_date: date | None = None, on: date | None = None) -> None:
        """A further missed-payment notice on the open episode: refresh DPD and amounts, maybe escalate;
        a missed instalment of an approved arrangement breaks it (`due_date`, reported on `on`).

        The caller passes only notices newer than anything seen on the loan (servicing's sequence).
        An arrangement's instalments are the loan's due dates while it holds, so such a notice names a
        later `overdue_since` than the episode's: the episode's own stays.
        """
        held = self.arrangements.approved is not None
        if due_date is not None and on is not None:
            self.arrangements.observe_missed(due_date, on)
        if principal_overdue is not None:
            self.observe(interest_overdue=max(amount_overdue - principal_overdue, ZERO),
                         principal_overdue=principal_overdue)
        if held and overdue_since > self.state.overdue_since:
            self.observe(amount_overdue=amount_overdue, principal_outstanding=principal_outstanding)
            return
        self.observe(amount_overdue=amount_overdue, principal_outstanding=principal_outstanding,
                     overdue_since=overdue_since)
        self._refresh_dpd(days_past_due, reason="days_past_due_crossed")

    def observe_charge(self, kind: str, amount: Decimal) -> None:
        """A charge servicing applied during the episode (罚息, failed-debit fee), totalled by kind."""
        charges = self.state.charges
        self.observe(charges={**charges, kind: charges.get(kind, ZERO) + amount},
                     charges_outstanding=self.state.charges_outstanding + amount)

    def _refresh_dpd(self, days_past_due: int, *, reason: str) -> None:
        s = self.state
        if days_past_due <= s.days_past_due:
            return  # stale or out-of-order notice: DPD never goes back within an episode
        self.observe(days_past_due=days_past_due)
        target = self.rules.bounds.stage_for(days_past_due)
        if stage_rank(target) > stage_rank(s.stage):
            self.escalate(target, reason=f"{reason}: {days_past_due} days past due")

    def escalate(self, to_stage: Stage, *, reason: str, rule_id: str | None = None) -> None:
        """Move the case to a later stage (its stage queue follows; a policy rule routes its own)."""
        s = self.state
        if stage_rank(to_stage) <= stage_rank(s.stage):
            raise CaseRuleViolation("no_later_stage", f"case is already at stage {s.stage}")
        self.record(ev.CaseEscalated(**self.ids(), from_stage=s.stage, to_stage=to_stage, reason=reason,
                                     days_past_due=s.days_past_due, rule_id=rule_id))
        self.pending.triggers.append("stage_changed")

    def assign(self, collector: str | None, *, by: str, on: date, reason: str | None = None,
               queue: str | None = None) -> None:
        """Give the case to a collector (and queue) on business date `on`."""
        self.require_open()
        self.record(ev.CaseAssigned(**self.ids(), collector=collector, queue=queue or self.state.queue, assigned_by=by,
                                    reason=reason), on)
        self.pending.needs_assignment = False

    def resolve(self, resolution: str, on: date) -> None:
        """Resolve (cured / paid_off / written_off) and close the case.

        The loan current or paid off: what the open promise asked was paid, so it is kept; a
        write-off cancels it.
        """
        if not self.is_open:
            return
        if resolution != "written_off":
            for p in self.state.promises:
                if p.status == "open":
                    self._promise_kept(p, on)
        self.placements.end_with_case(on)
        if resolution == "paid_off":
            self.arrangements.complete(on)
        self.record(ev.CaseResolved(**self.ids(), resolution=resolution, resolved_on=on,  # type: ignore[arg-type]
                                    stage=self.state.stage))

    def _promise_kept(self, p: promise_rules.Promise, on: date) -> None:
        self.record(ev.PromiseKept(**self.ids(), promise_id=p.promise_id, amount=p.amount, paid_amount=p.paid,
                                   promised_date=p.promised_date, collector=p.collector), on)

    # ---- payments ----------------------------------------------------------------------------

    def observe_payment(self, *, payment_id: str, amount: Decimal, paid_on: date, loan_status: str,
                        days_past_due: int, overdue_since: date | None, amount_overdue: Decimal | None,
                        paid_by_kind: dict[str, Decimal] | None = None,
                        principal_outstanding: Decimal | None = None) -> None:
        """A payment on the loan: credit the collector, count it toward promises, cure or pay off.

        DOMAIN.md §3: "Measured per collector/team: amount recovered, commission on it".
        `paid_by_kind` (the payment's allocation summed by kind) keeps the amount owed exact. Under an
        approved arrangement the loan is current between instalments: that is not a cure, the case
        stays open until the loan is paid off (or the arrangement breaks).
        """
        if paid_by_kind is not None:
            taken = paid_by_kind.get("charge", ZERO) + paid_by_kind.get("penalty_interest", ZERO)
            self.observe(charges_outstanding=max(self.state.charges_outstanding - taken, ZERO),
                         interest_overdue=max(self.state.interest_overdue - paid_by_kind.get("interest", ZERO), ZERO))
            if self.state.principal_overdue is not None:
                self.observe(principal_overdue=max(self.state.principal_overdue
                                                   - paid_by_kind.get("principal", ZERO), ZERO))
        if principal_outstanding is not None:
            self.observe(principal_outstanding=principal_outstanding)
        s = self.state
        open_promises = [p for p in s.promises if p.status == "open"]
        self.attribute_recovery(payment_id, amount, on=paid_on)  # counts toward the open promise
        for p in open_promises:
            if p.status == "kept":
                self._promise_kept(p, paid_on)
        # servicing's next notice brings the exact figure; until then, the payment reduces it
        self.observe(amount_overdue=amount_overdue if amount_overdue is not None
                     else max(s.amount_overdue - amount, to_fen(0)))
        if loan_status == "current" and self.arrangements.approved is None:
            self.resolve("cured", paid_on)
        elif loan_status in ("paid_off", "written_off"):
            self.resolve(loan_status, paid_on)
        elif overdue_since is not None:
            self.observe(overdue_since=overdue_since, days_past_due=days_past_due)

    def attribute_recovery(self, payment_id: str, amount: Decimal, *, on: date) -> None:
        """Credit a payment to whoever recovered it (domain/commission.py): the agency the case is placed
        with (its fee, no collector commission), legal while in proceedings, else the case's collector, at
        the configured rate of the channel and the case's stage.

        Also after a write-off: what is recovered on a written-off debt counts for whoever held it.
        """
        s = self.state
        placed = self.placements.active
        earned = credit(amount, stage=s.stage, holder=s.assignee, in_legal=s.in_legal,
                        rates=self.rules.commission,
                        placement=(placed.placement_id, placed.agency, placed.fee_rate) if placed else None)
        self.record(ev.RecoveryAttributed(**self.ids(), payment_id=payment_id, collector=earned.collector,
                                          amount=amount, commission=earned.commission, stage=s.stage,
                                          channel=earned.channel, agency=earned.agency,
                                          placement_id=earned.placement_id, agency_fee=earned.agency_fee), on)

    # ---- business clock ----------------------------------------------------------------------

    def close_day(self, day: date) -> None:
        """Day-close: refresh DPD, judge promises past their deadline, watch the statute."""
        if not self.is_open:
            return
        self._refresh_dpd((day - self.state.overdue_since).days, reason="day_close")
        for p in self.state.promises:
            if promise_rules.due_for_verdict(p, day, self.rules.promise_grace_days):
                self._promise_broken(p, day)
        self._watch_statute(day)
        self.placements.recall_if_due(day)
        self.pending.triggers.append("day_closed")

    def _promise_broken(self, p: promise_rules.Promise, day: date) -> None:
        s = self.state
        self.record(ev.PromiseBroken(**self.ids(), promise_id=p.promise_id, amount=p.amount, paid_amount=p.paid,
                                     promised_date=p.promised_date, broken_count=s.broken_promises + 1,
                                     partial=p.paid > ZERO, collector=p.collector), day)
        if s.broken_promises >= self.rules.serial_promiser_after and "serial_promiser" not in s.tags:
            threshold = self.rules.serial_promiser_after
            self.actions.tag("serial_promiser", by="system",
                             reason=f"{s.broken_promises} broken promises (threshold {threshold})")
        self.pending.triggers.append("promise_broken")

    def _watch_statute(self, day: date) -> None:
        s = self.state
        if in_proceedings(s):  # a suit brought interrupts the limitation period while it is pending
            return
        expiry = statute.expires_on(s.statute_runs_from, self.rules.statute_years)
        if day >= expiry and not s.statute_expired:  # a time-barred debt leaves the legal queue
            self.record(ev.StatuteExpired(**self.ids(), runs_from=s.statute_runs_from, expired_on=expiry))
        elif statute.in_warning_window(day, expiry, self.rules.statute_warn_days) and not s.statute_warned:
            self.record(ev.StatuteWarned(**self.ids(), runs_from=s.statute_runs_from, expires_on=expiry,
                                         days_left=(expiry - day).days))

    def restart_statute(self, *, kind: str, on: date, by: str, evidence: str | None, business_date: date) -> None:
        """An acknowledgement or documented demand restarts the limitation period from `on`."""
        self.require_open()
        s = self.state
        if on > business_date:
            raise InvalidCommand("restart_in_future", f"{on} is after the business date {business_date}")
        if s.statute_expired:
            raise CaseRuleViolation("statute_expired", "the debt is already time-barred; it cannot be restarted here")
        if on < s.statute_runs_from:
            raise CaseRuleViolation("statute_restart_before_start", "restart date precedes the current period start")
        self.record(ev.StatuteRestarted(**self.ids(), kind=kind, on=on,  # type: ignore[arg-type]
                                        expires_on=statute.expires_on(on, self.rules.statute_years),
                                        recorded_by=by, evidence=evidence))
