"""Reaching the borrower: contacts on the case's contact points, visits, third parties, trace findings.

DOMAIN.md §3 and CONTRACT.md (second round): a contact names whom it reached (`target`: the
borrower, the guarantor — a co-obligor who may be contacted and asked to pay — a third party, or
a contact point); family, work and other contacts are for locating the borrower only, so a promise
or a debt discussion with them is refused (409 `third_party_disclosure`). A field visit is never
refused for count; it is valid when it met the borrower or family, and a visit to an address
already marked invalid is recorded but flagged. A wrong number, an invalid address or a borrower
who moved marks the point used invalid; reaching someone on it marks it valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from services.collections.domain.contact_points import TARGET_ALIASES, TARGET_KINDS, ContactPoint
from services.collections.domain.contact_policy import (
    CALL_OUTCOMES,
    NOTICE_CHANNELS,
    VISIT_OUTCOMES,
    ContactPolicy,
    check_contact,
)
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from shared.contracts import collections as ev
from shared.contracts.collections import RECORDED_CHANNELS, THIRD_PARTIES, VALID_VISIT_OUTCOMES, Recording, TargetKind
from shared.errors import NotFound

if TYPE_CHECKING:
    from services.collections.domain.case import Case

DEBT_OUTCOMES = ("promise", "right_party_contact", "dispute")  # a talk about the debt with the debtor
POINT_CHANNELS = {"phone": ("phone", "sms"), "address": ("visit", "letter"), "employer": ("phone", "visit", "letter")}
INVALIDATING = {"wrong_number": "phone", "not_in_service": "phone", "address_invalid": "address",
                "moved": "address"}  # outcome -> point kind
LOST = ("wrong_number", "not_in_service", "moved")  # on the borrower: unreachable, trace through the contacts
REACHED = ("right_party_contact", "promise", "met_borrower", "met_family", "notice_signed")
BORROWER_FOUND = ("right_party_contact", "promise", "met_borrower")


def resolve_target(target: str, points: Sequence[ContactPoint]) -> tuple[TargetKind, ContactPoint | None]:
    """A target's kind and, when it names one, the contact point (422 `unknown_contact_point` otherwise)."""
    if target in TARGET_KINDS:
        return target, None  # type: ignore[return-value]
    if target in TARGET_ALIASES:
        return TARGET_ALIASES[target], None  # type: ignore[return-value]
    point = next((p for p in points if p.point_id == target), None)
    if point is None:
        raise InvalidCommand("unknown_contact_point",
                             f"target must be one of {list(TARGET_KINDS)} or a contact point id of the case, "
                             f"not {target[:80]!r}")
    return point.relation, point


class Reach:
    """Contacts and contact points on a case (`case.reach`); events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    def log_contact(self, *, contact_id: str, channel: str, outcome: str, collector: str, at: datetime,
                    local_now: datetime, business_date: date, note: str | None, target: str, reason: str | None,
                    policy: ContactPolicy, recent_calls: Sequence[datetime], points: Sequence[ContactPoint],
                    recording: Recording | None = None, follow_up_on: date | None = None) -> None:
        """Log a contact attempt if the rules allow it; outcomes may start a special path or judge a point.

        `notice_signed`: the household signed a collection notice (签回催收通知书), which only a
        letter or a visit can bring back; the visit outcomes come only from a visit, the call outcomes
        (switched off, busy, not in service) only from a call. A recording reference belongs to a call or
        a visit (an sms or a letter is its own record).
        """
        case, state = self.case, self.case.state
        case.require_open()
        if outcome == "notice_signed" and channel not in NOTICE_CHANNELS:
            raise InvalidCommand("outcome_not_for_channel",
                                 f"a notice is signed for on a letter or a visit, not by {channel}")
        if outcome in VISIT_OUTCOMES and channel != "visit":
            raise InvalidCommand("outcome_not_for_channel", f"{outcome} is what a field visit finds, not a {channel}")
        if outcome in CALL_OUTCOMES and channel != "phone":
            raise InvalidCommand("outcome_not_for_channel", f"{outcome} is what a call hears, not a {channel}")
        if follow_up_on is not None and follow_up_on < business_date:
            raise InvalidCommand("follow_up_in_past",
                                 f"a follow-up on {follow_up_on} is before the business date {business_date}")
        if recording is not None and channel not in RECORDED_CHANNELS:
            raise InvalidCommand("recording_not_for_channel",
                                 f"a recording belongs to a call or a visit ({', '.join(RECORDED_CHANNELS)}), "
                                 f"not to a {channel}")
        kind, point = resolve_target(target, points)
        if point is not None and channel not in POINT_CHANNELS[point.kind]:
            raise InvalidCommand("channel_not_for_point", f"a {point.kind} is not reached by {channel}")
        if kind in THIRD_PARTIES and outcome in DEBT_OUTCOMES:
            raise CaseRuleViolation(
                "third_party_disclosure",
                f"a contact with a {kind} contact is for locating the borrower only: no promise or talk about the "
                f"debt ({outcome}) with a third party; reach the borrower or the guarantor")
        check_contact(policy, channel=channel, local_now=local_now, disputed=state.dispute is not None,
                      recent_calls=recent_calls)
        visit = channel == "visit"
        case.record(ev.ContactLogged(
            **case.ids(), contact_id=contact_id, channel=channel, outcome=outcome, collector=collector,  # type: ignore[arg-type]
            contacted_at=at, note=note, target=target, target_kind=kind,
            point_id=point.point_id if point else None, reason=reason,  # type: ignore[arg-type]
            valid_visit=(outcome in VALID_VISIT_OUTCOMES) if visit else None,
            invalid_address=visit and point is not None and point.kind == "address" and point.status == "invalid",
            visit_target=policy.visit_target if visit else None, recording=recording, follow_up_on=follow_up_on),
            business_date)
        self._judge_point(outcome, kind, point, points, by=collector, contact_id=contact_id)
        self._follow_outcome(outcome, kind, contact_id=contact_id, note=note, by=collector)

    def _judge_point(self, outcome: str, kind: str, point: ContactPoint | None, points: Sequence[ContactPoint], *,
                     by: str, contact_id: str) -> None:
        """A wrong number / invalid address / move marks the point used invalid; reaching whom it belongs to
        (the borrower or guarantor on theirs, the third party on a third party's), valid.

        A wrong number (or a number not in service) on the borrower with no point named is the applicant's phone.
        """
        if point is None and outcome in ("wrong_number", "not_in_service") and kind == "borrower":
            point = next((p for p in points if p.point_id == "borrower-phone"), None)
        if point is None:
            return
        if outcome in INVALIDATING and point.kind in (INVALIDATING[outcome], "employer"):
            self.set_point_status(point, "invalid", by=by, reason=outcome, contact_id=contact_id)
        elif outcome in REACHED or (outcome == "third_party" and point.relation in THIRD_PARTIES):
            self.set_point_status(point, "valid", by=by, reason=outcome, contact_id=contact_id)

    def _follow_outcome(self, outcome: str, kind: str, *, contact_id: str, note: str | None, by: str) -> None:
        actions, special = self.case.actions, self.case.state.special_status
        if outcome == "dispute":
            actions.open_dispute(dispute_id=f"{contact_id}-dispute", reason=note or "raised on contact", by=by)
        elif outcome == "deceased_reported" and special in ("none", "unreachable"):
            actions.set_special_status("deceased_reported", by=by, note=note)
        elif outcome in LOST and kind == "borrower" and special == "none":
            actions.set_special_status("unreachable", by=by, note=f"borrower {outcome.replace('_', ' ')}: "
                                                                   "trace through contacts")
        elif outcome in BORROWER_FOUND and kind == "borrower" and special == "unreachable":
            actions.set_special_status("none", by=by, note="borrower reached again: trace ended")

    def add_point(self, *, point_id: str, kind: str, value: str, relation: str, source: str, by: str,
                  points: Sequence[ContactPoint]) -> None:
        """Record a trace finding (a phone, an address, an employer); the same kind and value twice is 409."""
        self.case.require_open()
        same = next((p for p in points if p.kind == kind and (p.value or "").strip() == value.strip()), None)
        if same is not None:
            raise CaseRuleViolation("contact_point_exists", f"the case already has this {kind} ({same.point_id})")
        self.case.record(ev.ContactPointAdded(**self.case.ids(), point_id=point_id, kind=kind, value=value.strip(),  # type: ignore[arg-type]
                                              relation=relation, source=source, added_by=by))  # type: ignore[arg-type]

    def mark_point(self, point_id: str, status: str, *, by: str, reason: str, points: Sequence[ContactPoint],
                   contact_id: str | None = None) -> ContactPoint:
        """Mark a contact point valid or invalid by its id (404 when the case has no such point).

        What a returned letter calls (`reason="returned_letter"`, `status="invalid"`).
        """
        point = next((p for p in points if p.point_id == point_id), None)
        if point is None:
            raise NotFound(f"case {self.case.state.case_id} has no contact point {point_id}")
        if point.status == status:
            return point
        self.set_point_status(point, status, by=by, reason=reason, contact_id=contact_id)
        return point.model_copy(update={"status": status, "status_reason": reason})

    def set_point_status(self, point: ContactPoint, status: str, *, by: str, reason: str,
                         contact_id: str | None = None) -> None:
        """Record the point's new status (nothing when it already has it)."""
        if point.status == status:
            return
        self.case.record(ev.ContactPointStatusChanged(
            **self.case.ids(), point_id=point.point_id, kind=point.kind, relation=point.relation, source=point.source,
            status=status, previous=point.status, changed_by=by, reason=reason, contact_id=contact_id))  # type: ignore[arg-type]
