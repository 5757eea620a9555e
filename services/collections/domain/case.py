"""The collections case aggregate: one delinquent episode of one loan, from first miss to close.

DOMAIN.md §3: "Cases are staged by how long the debt is overdue: front-end, mid-end,
back-end". A case opens on the first missed payment, escalates as days past due cross
the stage bounds, and is resolved cured / paid_off / written_off, then closed. Methods
record past-tense contract events in `self.pending`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.collections.domain import promises as promise_rules
from services.collections.domain import statute
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.paths import SpecialPaths
from services.collections.domain.policy_actions import PolicyActions
from services.collections.domain.staging import Stage, stage_rank
from services.collections.domain.state import CaseRules, CaseState, Pending
from shared.contracts import collections as ev
from shared.money import to_fen


class Case(SpecialPaths, PolicyActions):
    """A case with the rules it follows and the events its commands recorded."""

    def __init__(self, state: CaseState, rules: CaseRules) -> None:
        self.state = state
        self.rules = rules
        self.pending = Pending()
        self.loaded_holder = state.assignee if state.status == "open" else None  # whose caseload it counts in

    @property
    def is_open(self) -> bool:
        return self.state.status == "open"

    def _record(self, event: ev.EventData) -> None:
        self.pending.events.append(event)

    def _ids(self) -> dict[str, str]:
        return {"case_id": self.state.case_id, "loan_id": self.state.loan_id}

    def require_open(self) -> None:
        if not self.is_open:
            raise CaseRuleViolation("case_closed", f"case {self.state.case_id} is closed ({self.state.resolution})")

    # ---- lifecycle ------------------------------------------------------------------------

    @classmethod
    def open(cls, *, case_id: str, loan_id: str, episode: int, days_past_due: int, overdue_since: date,
             amount_overdue: Decimal, principal_outstanding: Decimal, business_date: date,
             rules: CaseRules, tags: list[str] | None = None) -> Case:
        """Open a case for a new delinquent episode (first missed payment).

        Behaviour tags describe the borrower, so a later episode starts with the earlier one's tags.
        """
        stage = rules.bounds.stage_for(max(days_past_due, 1))
        state = CaseState(case_id=case_id, loan_id=loan_id, episode=episode, episode_key=overdue_since,
                          stage=stage, queue=stage, days_past_due=days_past_due, overdue_since=overdue_since,
                          amount_overdue=amount_overdue, principal_outstanding=principal_outstanding,
                          opened_on=business_date, statute_runs_from=overdue_since, tags=list(tags or []))
        case = cls(state, rules)
        case.loaded_holder = None
        case._record(ev.CaseOpened(**case._ids(), stage=stage, days_past_due=days_past_due,
                                   amount_overdue=amount_overdue, opened_on=business_date, episode=episode,
                                   tags=state.tags))
        case.pending.triggers.append("case_opened")
        case.pending.needs_assignment = True
        return case

    def observe_missed(self, *, days_past_due: int, overdue_since: date, amount_overdue: Decimal,
                       principal_outstanding: Decimal) -> None:
        """A further missed-payment notice on the open episode: refresh DPD and amounts, maybe escalate.

        The caller passes only notices newer than anything seen on the loan (servicing's sequence).
        """
        s = self.state
        s.amount_overdue = amount_overdue
        s.principal_outstanding = principal_outstanding
        s.overdue_since = overdue_since
        self._refresh_dpd(days_past_due, reason="days_past_due_crossed")

    def observe_charge(self, kind: str, amount: Decimal) -> None:
        """A charge servicing applied during the episode (罚息, failed-debit fee), totalled by kind."""
        self.state.charges[kind] = self.state.charges.get(kind, Decimal("0.00")) + amount

    def _refresh_dpd(self, days_past_due: int, *, reason: str) -> None:
        s = self.state
        if days_past_due <= s.days_past_due:
            return  # stale or out-of-order notice: DPD never goes back within an episode
        s.days_past_due = days_past_due
        target = self.rules.bounds.stage_for(days_past_due)
        if stage_rank(target) > stage_rank(s.stage):
            self.escalate(target, reason=f"{reason}: {days_past_due} days past due")

    def escalate(self, to_stage: Stage, *, reason: str, rule_id: str | None = None) -> None:
        """Move the case to a later stage and route it to that stage's queue."""
        s = self.state
        if stage_rank(to_stage) <= stage_rank(s.stage):
            raise CaseRuleViolation("no_later_stage", f"case is already at stage {s.stage}")
        self._record(ev.CaseEscalated(**self._ids(), from_stage=s.stage, to_stage=to_stage, reason=reason,
                                      days_past_due=s.days_past_due, rule_id=rule_id))
        s.stage = to_stage
        if s.queue in ("front", "mid", "back"):
            self.route(to_stage)
        self.pending.triggers.append("stage_changed")

    def route(self, queue: str) -> None:
        """Send the case to a work queue; the service assigns a collector of that queue."""
        if self.state.queue != queue:
            self.state.queue = queue
            self.pending.needs_assignment = True

    def assign(self, collector: str | None, *, by: str, reason: str | None = None, queue: str | None = None) -> None:
        """Give the case to a collector (and queue)."""
        self.require_open()
        s = self.state
        if queue:
            s.queue = queue
        s.assignee = collector
        self.pending.needs_assignment = False
        self._record(ev.CaseAssigned(**self._ids(), collector=collector, queue=s.queue, assigned_by=by,
                                     reason=reason))

    def resolve(self, resolution: str, on: date) -> None:
        """Resolve (cured / paid_off / written_off) and close the case."""
        if not self.is_open:
            return
        s = self.state
        s.status, s.resolution, s.resolved_on = "closed", resolution, on
        for p in s.promises:
            if p.status != "open":
                continue
            p.settled_on = on
            if resolution == "written_off":
                p.status = "cancelled"
            else:  # the loan is current or paid off: what was owed has been paid
                p.status = "kept"
                self._record(ev.PromiseKept(**self._ids(), promise_id=p.promise_id, amount=p.amount,
                                            paid_amount=p.paid, promised_date=p.promised_date, collector=p.collector))
        self._record(ev.CaseResolved(**self._ids(), resolution=resolution, resolved_on=on,  # type: ignore[arg-type]
                                     stage=s.stage))

    # ---- payments ----------------------------------------------------------------------------

    def observe_payment(self, *, payment_id: str, amount: Decimal, paid_on: date, loan_status: str,
                        days_past_due: int, overdue_since: date | None, amount_overdue: Decimal | None) -> None:
        """A payment on the loan: credit the collector, count it toward promises, cure or pay off.

        DOMAIN.md §3: "Measured per collector/team: amount recovered, commission on it".
        """
        s = self.state
        self.attribute_recovery(payment_id, amount)
        for p in s.promises:
            if promise_rules.count_payment(p, amount, paid_on, self.rules.promise_grace_days):
                self._record(ev.PromiseKept(**self._ids(), promise_id=p.promise_id, amount=p.amount,
                                            paid_amount=p.paid, promised_date=p.promised_date, collector=p.collector))
        # servicing's next notice brings the exact figure; until then, the payment reduces it
        s.amount_overdue = amount_overdue if amount_overdue is not None else max(s.amount_overdue - amount, to_fen(0))
        if loan_status == "current":
            self.resolve("cured", paid_on)
        elif loan_status in ("paid_off", "written_off"):
            self.resolve(loan_status, paid_on)
        elif overdue_since is not None:
            s.overdue_since = overdue_since
            s.days_past_due = days_past_due

    def attribute_recovery(self, payment_id: str, amount: Decimal) -> None:
        """Credit a payment to the case's collector, with commission at the configured rate.

        Also after a write-off: what is recovered on a written-off debt counts for whoever held it.
        """
        s = self.state
        commission = to_fen(amount * self.rules.commission_rate) if s.assignee else to_fen(0)
        s.recovered += amount
        self._record(ev.RecoveryAttributed(**self._ids(), payment_id=payment_id, collector=s.assignee,
                                           amount=amount, commission=commission, stage=s.stage))

    # ---- business clock ----------------------------------------------------------------------

    def close_day(self, day: date) -> None:
        """Day-close: refresh DPD, judge promises past their deadline, watch the statute."""
        if not self.is_open:
            return
        self._refresh_dpd((day - self.state.overdue_since).days, reason="day_close")
        for p in self.state.promises:
            verdict = promise_rules.judge_at_day_close(p, day, self.rules.promise_grace_days)
            if verdict in ("broken", "partial") and p.settled_on == day:
                self._promise_broken(p)
        self._watch_statute(day)
        self.pending.triggers.append("day_closed")

    def _promise_broken(self, p: promise_rules.Promise) -> None:
        s = self.state
        s.broken_promises += 1
        self._record(ev.PromiseBroken(**self._ids(), promise_id=p.promise_id, amount=p.amount, paid_amount=p.paid,
                                      promised_date=p.promised_date, broken_count=s.broken_promises,
                                      partial=p.status == "partial", collector=p.collector))
        if s.broken_promises >= self.rules.serial_promiser_after and "serial_promiser" not in s.tags:
            self.tag("serial_promiser", by="system",
                     reason=f"{s.broken_promises} broken promises (threshold {self.rules.serial_promiser_after})")
        self.pending.triggers.append("promise_broken")

    def _watch_statute(self, day: date) -> None:
        s = self.state
        expiry = statute.expires_on(s.statute_runs_from, self.rules.statute_years)
        if day >= expiry and not s.statute_expired:
            s.statute_expired = True
            self._record(ev.StatuteExpired(**self._ids(), runs_from=s.statute_runs_from, expired_on=expiry))
            if s.queue == "legal":  # a time-barred debt is no longer pressed by legal action
                s.legal_referred = False
                self.route(s.stage)
        elif statute.in_warning_window(day, expiry, self.rules.statute_warn_days) and not s.statute_warned:
            s.statute_warned = True
            self._record(ev.StatuteWarned(**self._ids(), runs_from=s.statute_runs_from, expires_on=expiry,
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
        s.statute_runs_from, s.statute_warned = on, False
        self._record(ev.StatuteRestarted(**self._ids(), kind=kind, on=on,  # type: ignore[arg-type]
                                         expires_on=statute.expires_on(on, self.rules.statute_years),
                                         recorded_by=by, evidence=evidence))
