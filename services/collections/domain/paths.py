"""Collector actions on a case: promises, tags and the special paths of DOMAIN.md §3 (contacts: reach.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.promises import Promise
from services.collections.domain.tactics import TACTICS
from shared.contracts import collections as ev

if TYPE_CHECKING:
    from services.collections.domain.case import Case
    from services.collections.domain.state import CaseState


class CollectorActions:
    """What collectors, supervisors and legal do on a case (`case.actions`); events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def state(self) -> CaseState:
        return self.case.state

    def make_promise(self, *, promise_id: str, amount: Decimal, promised_date: date, collector: str,
                     business_date: date) -> Promise:
        """Record a promise to pay (承诺还款); one open promise at a time."""
        self.case.require_open()
        self._require_no_dispute()
        if amount <= 0:
            raise InvalidCommand("invalid_amount", "a promised amount must be positive")
        if promised_date < business_date:
            raise InvalidCommand("promised_date_in_past", f"promised_date is before the business date {business_date}")
        horizon = self.case.rules.promise_max_days
        if promised_date > business_date + timedelta(days=horizon):
            raise InvalidCommand("promised_date_too_far",
                                 f"promised_date is more than {horizon} days after the business date {business_date}")
        if any(p.status == "open" for p in self.state.promises):
            raise CaseRuleViolation("one_open_promise", "the case already has an open promise to pay")
        self.case.record(ev.PromiseMade(**self.case.ids(), promise_id=promise_id, amount=amount,
                                        promised_date=promised_date, collector=collector), business_date)
        return self.state.promises[-1]

    def tag(self, behaviour: str, *, by: str, reason: str | None = None) -> bool:
        """Tag the borrower with a behaviour type; False when already tagged."""
        if behaviour not in TACTICS:
            raise InvalidCommand("unknown_behaviour", f"behaviour must be one of {sorted(TACTICS)}")
        if behaviour in self.state.tags:
            return False
        self.case.record(ev.CaseTagged(**self.case.ids(), behaviour=behaviour, tagged_by=by,  # type: ignore[arg-type]
                                   reason=reason))
        self.case.pending.triggers.append("tagged")
        return True

    def set_special_status(self, status: str, *, by: str, note: str | None = None, path: str | None = None) -> None:
        """Enter (or leave, with "none") a special path; routes fraud and estate cases to their queues."""
        self.case.record(ev.SpecialStatusChanged(**self.case.ids(), status=status,  # type: ignore[arg-type]
                                                 previous=self.state.special_status, changed_by=by, note=note,
                                                 path=path))
        self.case.pending.triggers.append("special_status_changed")

    def report_fraud(self, *, by: str, note: str | None) -> None:
        """Fraud suspected: the case leaves the ordinary path for the fraud desk (once)."""
        self._enter_special("fraud", allowed_from=("none", "unreachable", "deceased_reported", "deceased_verified"),
                            by=by, note=note)

    def report_deceased(self, *, by: str, note: str | None) -> None:
        """Deceased path, step 0: a reported death (not on a fraud case, nor one already reported)."""
        self._enter_special("deceased_reported", allowed_from=("none", "unreachable"), by=by, note=note)

    def start_skip_trace(self, *, by: str, note: str | None) -> None:
        """The borrower is unreachable: trace through the contacts (only from the ordinary path)."""
        self._enter_special("unreachable", allowed_from=("none",), by=by, note=note)

    def _enter_special(self, status: str, *, allowed_from: tuple[str, ...], by: str, note: str | None) -> None:
        """Refuse (409 `special_status_conflict`, nothing recorded) a path the case cannot take from where it is.

        DOMAIN.md §3: special cases each have "its own path"; a second report, or a skip trace on
        a fraud or deceased case, would take it off that path (and out of its queue).
        """
        self.case.require_open()
        current = self.state.special_status
        if current not in allowed_from:
            raise CaseRuleViolation("special_status_conflict",
                                    f"the case is {current}; it cannot be moved to {status} from there")
        self.set_special_status(status, by=by, note=note)

    def verify_deceased(self, *, confirmed: bool, by: str, evidence: str) -> None:
        """Deceased path, step 1: verify through contacts, employer, records (or reject the report)."""
        self.case.require_open()
        if self.state.special_status != "deceased_reported":
            raise CaseRuleViolation("deceased_not_reported", "verification needs a reported death first")
        self.set_special_status("deceased_verified" if confirmed else "none", by=by, note=evidence)

    def choose_deceased_path(self, *, path: str, by: str, note: str | None) -> None:
        """Deceased path, step 2: relatives/estate repay on the borrower's behalf, or propose a write-off."""
        self.case.require_open()
        if self.state.special_status != "deceased_verified":
            raise CaseRuleViolation("deceased_not_verified", "the death must be verified before choosing a path")
        self.set_special_status("deceased_verified", by=by, note=note, path=path)
        if path == "write_off":
            self.propose_write_off(by=by, reason=note or "borrower deceased, no estate or relative repayment")

    def open_dispute(self, *, dispute_id: str, reason: str, by: str) -> None:
        """A dispute of the debt itself (identity, amount) pauses ordinary treatment until resolved.

        DOMAIN.md §3: the only thing that pauses; a complaint does not (complaints.py).
        """
        self.case.require_open()
        if self.state.dispute is not None:
            raise CaseRuleViolation("dispute_already_open", "the case already has an open dispute")
        self.case.record(ev.DisputeOpened(**self.case.ids(), dispute_id=dispute_id, reason=reason, opened_by=by))

    def resolve_dispute(self, *, resolution: str, by: str) -> None:
        """Close the open dispute; ordinary treatment resumes."""
        self.case.require_open()
        if self.state.dispute is None:
            raise CaseRuleViolation("no_open_dispute", "the case has no open dispute")
        dispute_id = self.state.dispute["dispute_id"]
        self.case.record(ev.DisputeResolved(**self.case.ids(), dispute_id=dispute_id, resolution=resolution,
                                            resolved_by=by))
        self.case.pending.triggers.append("dispute_resolved")

    def propose_write_off(self, *, by: str, reason: str, rule_id: str | None = None) -> None:
        if self.state.write_off_proposed:
            return
        self.case.record(ev.WriteOffProposed(**self.case.ids(), proposed_by=by, reason=reason, rule_id=rule_id))

    def decide_write_off(self, *, by: str, reason: str) -> None:
        """Legal or a supervisor decides the write-off; servicing answers with loan.written_off."""
        self.case.require_open()
        if self.state.write_off_decided:
            raise CaseRuleViolation("write_off_already_decided", "a write-off was already decided on this case")
        self.case.record(ev.WriteOffDecided(**self.case.ids(), decided_by=by, reason=reason))

    def _require_no_dispute(self) -> None:
        if self.state.dispute is not None:
            raise CaseRuleViolation("dispute_pause", "the case has an open dispute: ordinary treatment is paused")
