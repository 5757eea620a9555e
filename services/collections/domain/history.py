"""The case's state as a fold of its events: `state = fold(events)`, one apply step per event type.

The aggregate (domain/case.py) decides and records past-tense events; its state changes only by
applying them here, so replaying a case's stream gives back the state its commands left. Each
step reads the event, the business date it was recorded on (the envelope's `businessdate`) and
the case rules; servicing's figures (state.POSITION_FIELDS) are observations, not folded.

Routing lives in the steps too: a stage queue follows the stage, a special status its desk, a
policy decision the queues its actions name. An escalation a policy rule made (`rule_id` set)
is routed by that rule's decision, which comes after it in the stream and replays its actions
in order, as the policy carried them out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Any

from services.collections.domain.arrangements import Arrangement
from services.collections.domain.complaints import Complaint
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.legal import LegalAction
from services.collections.domain.letters import Letter
from services.collections.domain.placements import Placement
from services.collections.domain.promises import Promise, count_payment, judge_at_day_close
from services.collections.domain.state import CaseRules, CaseState
from shared.contracts import arrangements as arr
from shared.contracts import collections as ev
from shared.contracts.registry import EventData

STAGE_QUEUES = ("front", "mid", "back")
SPECIAL_QUEUES = {"fraud": "fraud", "deceased_reported": "deceased", "deceased_verified": "deceased"}
SCHEDULING = {"schedule_contact": None, "field_visit": "visit", "send_letter": "letter"}  # action -> channel

Step = Callable[[CaseState, Any, date, CaseRules], None]


def opened(event: ev.CaseOpened, episode_key: date) -> CaseState:
    """The state a case starts from; `episode_key` (the loan's first unpaid due date) is its identity."""
    return CaseState(case_id=event.case_id, loan_id=event.loan_id, episode=event.episode, episode_key=episode_key,
                     stage=event.stage, queue=event.stage, days_past_due=event.days_past_due,
                     overdue_since=episode_key, amount_overdue=event.amount_overdue, opened_on=event.opened_on,
                     statute_runs_from=episode_key, tags=list(event.tags), arm=event.arm)


def fold(history: Iterable[tuple[EventData, date]], *, episode_key: date, rules: CaseRules) -> CaseState:
    """A case's state from its stream: (event data, business date) in version order, opened first."""
    events = iter(history)
    first, _ = next(events)
    if not isinstance(first, ev.CaseOpened):
        raise ValueError(f"a case stream starts with collections.case.opened, not {first.event_type}")
    state = opened(first, episode_key)
    for data, on in events:
        evolve(state, data, on, rules)
    return state


def evolve(state: CaseState, event: EventData, on: date | None, rules: CaseRules) -> CaseState:
    """Apply one event (recorded on business date `on`) to the state, in place; returns it.

    `on` may be None only for events whose step does not read it (those not in DATED).
    """
    if type(event) in DATED:
        if on is None:
            raise ValueError(f"{event.event_type} is applied with the business date it was recorded on")
        DATED[type(event)](state, event, on, rules)
        return state
    step = UNDATED.get(type(event))
    if step is None:
        raise ValueError(f"{event.event_type} is not an event of an open case stream")
    step(state, event)
    return state


def _assigned(s: CaseState, e: ev.CaseAssigned, on: date, _: CaseRules) -> None:
    s.assignee, s.queue, s.assigned_on = e.collector, e.queue, on
    if e.collector is not None and e.collector not in s.holders:
        s.holders.append(e.collector)


def _escalated(s: CaseState, e: ev.CaseEscalated) -> None:
    s.stage = e.to_stage
    if e.rule_id is None and s.queue in STAGE_QUEUES:
        s.queue = e.to_stage


def _policy_decided(s: CaseState, e: ev.PolicyDecided, on: date, rules: CaseRules) -> None:
    s.fired_rules.append(e.rule_id)
    for action in e.actions:
        kind = action["type"]
        if action.get("skipped"):
            continue
        if kind == "assign_queue":
            s.queue = action["queue"]
        elif kind in SCHEDULING and "letter_id" not in action:  # a policy letter with an id was sent
            due = on + timedelta(days=action.get("in_days", 0))
            s.scheduled.append({"channel": SCHEDULING[kind] or action.get("channel"), "due": due.isoformat(),
                                "rule_id": e.rule_id,
                                **({"template": action["template"]} if kind == "send_letter" else {})})
        elif kind == "refer_legal":
            if "action_id" not in action and not s.legal_referred:  # before collections.legal.referred existed
                s.legal_actions.append(LegalAction(action_id=f"{s.case_id}-A{len(s.legal_actions) + 1}",
                                                   kind="referral", on=on, reference=action.get("route"),
                                                   recorded_by="policy", rule_id=e.rule_id))
            s.legal_referred = True
            if action.get("route") != "police":  # the fraud desk keeps police referrals
                s.queue = "legal"
        elif kind == "place_with_agency" and "placement_id" not in action:  # placed before placements had events
            s.agency, s.queue = action["agency"], "agency"
        elif kind == "escalate_stage" and s.queue in STAGE_QUEUES:
            s.queue = s.stage


def _contact_logged(s: CaseState, e: ev.ContactLogged, on: date, rules: CaseRules) -> None:
    s.last_contact_at, s.last_contact_on = e.contacted_at, on
    s.scheduled = [a for a in s.scheduled if a.get("channel") != e.channel]
    if e.follow_up_on is not None:  # the collector's own next step, done by the next contact on the channel
        s.scheduled.append({"channel": e.channel, "due": e.follow_up_on.isoformat(), "rule_id": "follow_up"})
    if e.reason is not None:
        s.latest_reason = e.reason
    if e.invalid_address:
        s.invalid_address_visits += 1


def _complaint_opened(s: CaseState, e: ev.ComplaintOpened) -> None:
    s.complaints.append(Complaint(complaint_id=e.complaint_id, category=e.category, description=e.description,
                                  owner=e.owner, opened_by=e.opened_by, opened_on=e.opened_on, due_on=e.due_on,
                                  collector=e.collector, assignee=e.assignee))


def _complaint_resolved(s: CaseState, e: ev.ComplaintResolved) -> None:
    c = next(c for c in s.complaints if c.complaint_id == e.complaint_id)
    c.status, c.resolution, c.resolved_by, c.resolved_on = "resolved", e.resolution, e.resolved_by, e.resolved_on


def _point_added(s: CaseState, e: ev.ContactPointAdded) -> None:
    s.contact_points.append(ContactPoint(point_id=e.point_id, kind=e.kind, relation=e.relation, source=e.source,
                                         value=e.value))


def _point_status(s: CaseState, e: ev.ContactPointStatusChanged) -> None:
    """An origination point gets its entry on the case with its first status (its value stays in the directory)."""
    point = next((p for p in s.contact_points if p.point_id == e.point_id), None)
    if point is None:
        point = ContactPoint(point_id=e.point_id, kind=e.kind, relation=e.relation, source=e.source)
        s.contact_points.append(point)
    point.status, point.status_reason = e.status, e.reason


def _promise_made(s: CaseState, e: ev.PromiseMade, on: date, rules: CaseRules) -> None:
    s.promises.append(Promise(promise_id=e.promise_id, amount=e.amount, promised_date=e.promised_date, made_on=on,
                              collector=e.collector))


def _promise(s: CaseState, promise_id: str) -> Promise:
    return next(p for p in s.promises if p.promise_id == promise_id)


def _promise_kept(s: CaseState, e: ev.PromiseKept, on: date, rules: CaseRules) -> None:
    p = _promise(s, e.promise_id)
    p.status, p.settled_on = "kept", on


def _promise_broken(s: CaseState, e: ev.PromiseBroken, on: date, rules: CaseRules) -> None:
    judge_at_day_close(_promise(s, e.promise_id), on, rules.promise_grace_days)
    s.broken_promises = e.broken_count


def _recovery_attributed(s: CaseState, e: ev.RecoveryAttributed, on: date, rules: CaseRules) -> None:
    """A payment credited on the case also counts toward an open promise when made in time, and toward
    the placement it was recovered under."""
    s.recovered += e.amount
    for p in s.promises:
        count_payment(p, e.amount, on, rules.promise_grace_days)
    for a in s.arrangements:
        if a.status == "approved":  # recovered under the arrangement
            a.recovered += e.amount
    if e.placement_id is not None:
        placement = _placement(s, e.placement_id)
        placement.recovered += e.amount
        placement.agency_fees += e.agency_fee


def _placement(s: CaseState, placement_id: str) -> Placement:
    return next(p for p in s.placements if p.placement_id == placement_id)


def _placement_made(s: CaseState, e: ev.PlacementMade) -> None:
    """Placed with an agency: the case goes to the agency queue."""
    s.placements.append(Placement(placement_id=e.placement_id, agency=e.agency, fee_rate=e.fee_rate,
                                  placed_on=e.placed_on, recall_on=e.recall_on, placed_balance=e.placed_balance,
                                  placed_by=e.placed_by, rule_id=e.rule_id))
    s.agency, s.queue = e.agency, "agency"


def _placement_recalled(s: CaseState, e: ev.PlacementRecalled) -> None:
    """Recalled: the case comes back from the agency queue to its stage queue."""
    placement = _placement(s, e.placement_id)
    placement.status, placement.recalled_on = "recalled", e.recalled_on
    placement.recall_reason, placement.recalled_by = e.reason, e.recalled_by
    s.agency = None
    if s.queue == "agency":
        s.queue = s.stage


def _resolved(s: CaseState, e: ev.CaseResolved) -> None:
    """Closed; a write-off cancels the open promise (a cure or pay-off kept it, recorded just before)."""
    s.status, s.resolution, s.resolved_on = "closed", e.resolution, e.resolved_on
    for p in s.promises:
        if p.status == "open" and e.resolution == "written_off":
            p.status, p.settled_on = "cancelled", e.resolved_on


def _tagged(s: CaseState, e: ev.CaseTagged) -> None:
    s.tags.append(e.behaviour)


def _special_status(s: CaseState, e: ev.SpecialStatusChanged) -> None:
    s.special_status, s.special_path = e.status, e.path
    s.queue = "estate" if e.path == "estate_repayment" else SPECIAL_QUEUES.get(e.status, s.stage)


def _dispute_opened(s: CaseState, e: ev.DisputeOpened) -> None:
    s.dispute = {"dispute_id": e.dispute_id, "reason": e.reason, "opened_by": e.opened_by}


def _dispute_resolved(s: CaseState, e: ev.DisputeResolved) -> None:
    s.dispute = None


def _statute_warned(s: CaseState, e: ev.StatuteWarned) -> None:
    s.statute_warned = True


def _statute_expired(s: CaseState, e: ev.StatuteExpired) -> None:
    """Time-barred: flagged; a case in the legal queue is no longer pressed there (back to its stage)."""
    s.statute_expired = True
    if s.queue == "legal":
        s.legal_referred, s.queue = False, s.stage


def _statute_restarted(s: CaseState, e: ev.StatuteRestarted) -> None:
    s.statute_runs_from, s.statute_warned = e.on, False


def _letter_sent(s: CaseState, e: ev.LetterSent) -> None:
    """A letter sent does what the policy scheduled on the letter channel."""
    s.letters.append(Letter(letter_id=e.letter_id, template=e.template, registered=e.registered,
                            tracking_number=e.tracking_number, address_point_id=e.address_point_id,
                            sent_on=e.sent_on, pay_by=e.pay_by, total_due=e.total_due, sent_by=e.sent_by,
                            rule_id=e.rule_id))
    s.scheduled = [a for a in s.scheduled if a.get("channel") != "letter"]


def _letter(s: CaseState, letter_id: str) -> Letter:
    return next(x for x in s.letters if x.letter_id == letter_id)


def _letter_returned(s: CaseState, e: ev.LetterReturned) -> None:
    letter = _letter(s, e.letter_id)
    letter.status, letter.returned_on, letter.return_reason = "returned", e.returned_on, e.reason


def _letter_delivered(s: CaseState, e: ev.LetterDelivered) -> None:
    letter = _letter(s, e.letter_id)
    letter.status, letter.delivered_on = "delivered", e.delivered_on


def _legal_referred(s: CaseState, e: ev.LegalReferred) -> None:
    """Referred to legal: the first step of the proceedings. By hand the case moves to the legal queue (a police
    referral stays with the fraud desk); a policy rule's referral is routed by that rule's decision."""
    s.legal_referred = True
    s.legal_actions.append(LegalAction(action_id=e.action_id, kind="referral", on=e.on, reference=e.route,
                                       recorded_by=e.referred_by, rule_id=e.rule_id, note=e.note))
    if e.rule_id is None and e.route != "police":
        s.queue = "legal"


def _legal_action(s: CaseState, e: ev.LegalActionRecorded) -> None:
    """A step of the proceedings; when they close, a case still open leaves the legal queue for its stage's."""
    s.legal_actions.append(LegalAction(action_id=e.action_id, kind=e.kind, on=e.on, reference=e.reference,
                                       court=e.court, cost=e.cost, amount=e.amount, outcome=e.outcome,
                                       recorded_by=e.recorded_by, note=e.note))
    if e.kind == "closed" and s.queue == "legal" and s.status == "open":
        s.queue = s.stage


def _arrangement(s: CaseState, arrangement_id: str) -> Arrangement:
    return next(a for a in s.arrangements if a.arrangement_id == arrangement_id)


def _arrangement_proposed(s: CaseState, e: arr.ArrangementProposed) -> None:
    s.arrangements.append(Arrangement(arrangement_id=e.arrangement_id, kind=e.kind, instalments=list(e.instalments),
                                      waive=e.waive, owed=e.owed, proposed_by=e.proposed_by,
                                      proposed_on=e.proposed_on, approver_role=e.approver_role))


def _arrangement_approved(s: CaseState, e: arr.ArrangementApproved) -> None:
    a = _arrangement(s, e.arrangement_id)
    a.status, a.approved_by, a.approved_on = "approved", e.approved_by, e.approved_on
    a.within_proposer_limit = e.within_proposer_limit


def _arrangement_rejected(s: CaseState, e: arr.ArrangementRejected) -> None:
    a = _arrangement(s, e.arrangement_id)
    a.status, a.rejected_by, a.rejected_on, a.reason = "rejected", e.rejected_by, e.rejected_on, e.reason


def _arrangement_broken(s: CaseState, e: arr.ArrangementBroken) -> None:
    a = _arrangement(s, e.arrangement_id)
    a.status, a.broken_on, a.missed_instalment = "broken", e.broken_on, e.instalment_number


def _arrangement_completed(s: CaseState, e: arr.ArrangementCompleted) -> None:
    a = _arrangement(s, e.arrangement_id)
    a.status, a.completed_on = "completed", e.completed_on


def _arrangement_declined(s: CaseState, e: arr.ArrangementDeclined) -> None:
    a = _arrangement(s, e.arrangement_id)
    a.status, a.declined_on, a.decline_reason = "declined", e.declined_on, e.reason
    a.owed_now, a.planned = e.owed_now, e.planned


def _write_off_proposed(s: CaseState, e: ev.WriteOffProposed) -> None:
    s.write_off_proposed = True


def _write_off_decided(s: CaseState, e: ev.WriteOffDecided) -> None:
    s.write_off_decided = True


DATED: dict[type[EventData], Step] = {
    ev.CaseAssigned: _assigned,
    ev.PolicyDecided: _policy_decided,
    ev.ContactLogged: _contact_logged,
    ev.PromiseMade: _promise_made,
    ev.PromiseKept: _promise_kept,
    ev.PromiseBroken: _promise_broken,
    ev.RecoveryAttributed: _recovery_attributed,
}
UNDATED: dict[type[EventData], Callable[[CaseState, Any], None]] = {
    ev.CaseEscalated: _escalated,
    ev.CaseResolved: _resolved,
    ev.CaseTagged: _tagged,
    ev.SpecialStatusChanged: _special_status,
    ev.DisputeOpened: _dispute_opened,
    ev.DisputeResolved: _dispute_resolved,
    ev.StatuteWarned: _statute_warned,
    ev.StatuteExpired: _statute_expired,
    ev.StatuteRestarted: _statute_restarted,
    ev.WriteOffProposed: _write_off_proposed,
    ev.WriteOffDecided: _write_off_decided,
    ev.LetterSent: _letter_sent,
    ev.LetterReturned: _letter_returned,
    ev.LetterDelivered: _letter_delivered,
    ev.ComplaintOpened: _complaint_opened,
    ev.ComplaintResolved: _complaint_resolved,
    ev.ContactPointAdded: _point_added,
    ev.ContactPointStatusChanged: _point_status,
    ev.PlacementMade: _placement_made,
    ev.PlacementRecalled: _placement_recalled,
    ev.LegalReferred: _legal_referred,
    ev.LegalActionRecorded: _legal_action,
    arr.ArrangementProposed: _arrangement_proposed,
    arr.ArrangementApproved: _arrangement_approved,
    arr.ArrangementRejected: _arrangement_rejected,
    arr.ArrangementBroken: _arrangement_broken,
    arr.ArrangementCompleted: _arrangement_completed,
    arr.ArrangementDeclined: _arrangement_declined,
}
