"""The escalation policy's decisions carried out on a case (`case.policy`).

A decision is recorded as `collections.policy.decided` naming its actions; applying it
(domain/history.py) schedules contacts, refers to legal and routes.
Actions with events of their own (an escalation, a write-off proposal, a letter sent, an agency
placement, a referral to legal) are recorded first. A letter goes where a collector's would
(letters.address_for: the borrower's first address not known invalid); with none, the action is
recorded skipped (`no_valid_address`) and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from services.collections.domain import legal
from services.collections.domain.contact_points import ContactPoint
from services.collections.domain.letters import address_for
from services.collections.domain.policy import CaseFacts, Decision, Policy, evaluate
from services.collections.domain.staging import next_stage
from shared.contracts import collections as ev

if TYPE_CHECKING:
    from services.collections.domain.case import Case

MAX_ROUNDS = 8  # escalate_stage can trigger stage_changed rules; bounded


class PolicyActions:
    """Evaluates the policy for a case's pending triggers and records what it decides."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.points: Sequence[ContactPoint] | None = None

    def facts(self) -> CaseFacts:
        s = self.case.state
        return CaseFacts(stage=s.stage, days_past_due=s.days_past_due, broken_promises=s.broken_promises,
                         tags=frozenset(s.tags), amount_overdue=s.amount_overdue, special_status=s.special_status,
                         statute_expired=s.statute_expired, disputed=s.dispute is not None,
                         fired_rules=frozenset(s.fired_rules),
                         under_arrangement=self.case.arrangements.approved is not None)

    def apply(self, policy: Policy, business_date: date,
              points: Sequence[ContactPoint] | None = None) -> list[Decision]:
        """Evaluate the policy for every pending trigger and carry out what it decides.

        `points`: the case's contact points (views.contact_points), where a letter may go. None: not
        looked up (a what-if replay, which has no addresses) — a letter is then sent as to the loan file.
        """
        self.points = points
        pending = self.case.pending
        decided: list[Decision] = []
        for _ in range(MAX_ROUNDS):
            triggers, pending.triggers = pending.triggers, []
            if not triggers or not self.case.is_open:
                break
            for trigger in dict.fromkeys(triggers):
                for decision in evaluate(policy, self.facts(), trigger):
                    self._carry_out(policy, decision, business_date)
                    decided.append(decision)
        pending.triggers = []
        return decided

    def _carry_out(self, policy: Policy, decision: Decision, business_date: date) -> None:
        done = [self._act(action, decision.rule_id, business_date) for action in decision.actions]
        self.case.record(ev.PolicyDecided(**self.case.ids(), policy_version=policy.version, rule_id=decision.rule_id,
                                          actions=done, trigger=decision.trigger, arm=self.case.state.arm),
                         business_date)

    def _act(self, action: dict[str, Any], rule_id: str, business_date: date) -> dict[str, Any]:
        """An action as the decision records it: skipped when it cannot apply, its own events recorded."""
        s = self.case.state
        kind = action["type"]
        if kind == "refer_legal" and s.statute_expired:
            return {**action, "skipped": "statute_expired"}
        if kind == "place_with_agency":  # a real placement (collections.placement.made), named in the decision
            terms = self.case.rules.agencies.get(action["agency"])
            if terms is None:
                return {**action, "skipped": "agency_not_configured"}
            if self.case.placements.active is not None:
                return {**action, "skipped": "already_placed"}
            placement = self.case.placements.place_by_policy(action["agency"], terms, business_date=business_date,
                                                             rule_id=rule_id)
            return {**action, "placement_id": placement.placement_id}
        if kind == "refer_legal" and legal.unreferred(s, action.get("route")):  # collections.legal.referred, named
            action_id = self.case.legal.next_id()
            self.case.legal.refer(action_id=action_id, on=business_date, by="policy", route=action.get("route"),
                                  rule_id=rule_id)
            return {**action, "action_id": action_id}
        if kind == "propose_write_off":
            self.case.actions.propose_write_off(by="policy", reason=f"policy rule {rule_id}", rule_id=rule_id)
        elif kind == "escalate_stage":
            if s.stage == "back":
                return {**action, "skipped": "already_back"}
            self.case.escalate(next_stage(s.stage), reason=f"policy rule {rule_id}", rule_id=rule_id)
        elif kind == "send_letter":  # a real letter (collections.letter.sent), named in the decision
            point = address_for(self.points, None) if self.points is not None else None
            if self.points is not None and point is None:
                return {**action, "skipped": "no_valid_address"}
            letter = self.case.letters.send(template=action["template"], registered=action["registered"],
                                            by="policy", business_date=business_date, rule_id=rule_id,
                                            address_point_id=point.point_id if point else None,
                                            points=self.points or ())
            return {**action, "letter_id": letter.letter_id}
        return action
