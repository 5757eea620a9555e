"""Applying the escalation policy's decisions to a case."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from services.collections.domain.policy import CaseFacts, Decision, Policy, evaluate
from services.collections.domain.staging import next_stage
from shared.contracts import collections as ev

if TYPE_CHECKING:
    from services.collections.domain.state import CaseState, Pending

MAX_ROUNDS = 8  # escalate_stage can trigger stage_changed rules; bounded


class PolicyActions:
    """Mixed into Case."""

    state: CaseState
    pending: Pending

    if TYPE_CHECKING:  # provided by Case
        def _record(self, event: ev.EventData) -> None: ...
        def _ids(self) -> dict[str, str]: ...
        def route(self, queue: str) -> None: ...
        def escalate(self, to_stage: Any, *, reason: str, rule_id: str | None = None) -> None: ...
        def propose_write_off(self, *, by: str, reason: str, rule_id: str | None = None) -> None: ...


    def facts(self) -> CaseFacts:
        s = self.state
        return CaseFacts(stage=s.stage, days_past_due=s.days_past_due, broken_promises=s.broken_promises,
                         tags=frozenset(s.tags), amount_overdue=s.amount_overdue, special_status=s.special_status,
                         statute_expired=s.statute_expired, disputed=s.dispute is not None,
                         fired_rules=frozenset(s.fired_rules))

    def apply_policy(self, policy: Policy, business_date: date) -> list[Decision]:
        """Evaluate the policy for every pending trigger and carry out what it decides."""
        decided: list[Decision] = []
        for _ in range(MAX_ROUNDS):
            triggers, self.pending.triggers = self.pending.triggers, []
            if not triggers or self.state.status != "open":
                break
            for trigger in dict.fromkeys(triggers):
                for decision in evaluate(policy, self.facts(), trigger):
                    self._carry_out(policy, decision, business_date)
                    decided.append(decision)
        self.pending.triggers = []
        return decided

    def _carry_out(self, policy: Policy, decision: Decision, business_date: date) -> None:
        s = self.state
        s.fired_rules.append(decision.rule_id)
        done: list[dict[str, Any]] = []
        for action in decision.actions:
            done.append(self._act(action, decision.rule_id, business_date))
        self._record(ev.PolicyDecided(**self._ids(), policy_version=policy.version, rule_id=decision.rule_id,
                                      actions=done, trigger=decision.trigger))

    def _act(self, action: dict[str, Any], rule_id: str, business_date: date) -> dict[str, Any]:
        s = self.state
        kind = action["type"]
        if kind == "assign_queue":
            self.route(action["queue"])
        elif kind in ("schedule_contact", "field_visit", "send_letter"):
            channel = {"field_visit": "visit", "send_letter": "letter"}.get(kind, action.get("channel"))
            due = business_date + timedelta(days=action.get("in_days", 0))
            s.scheduled.append({"channel": channel, "due": due.isoformat(), "rule_id": rule_id,
                                **({"template": action["template"]} if kind == "send_letter" else {})})
        elif kind == "refer_legal":
            if s.statute_expired:
                return {**action, "skipped": "statute_expired"}
            s.legal_referred = True
            if action.get("route") != "police":  # the fraud desk keeps police referrals
                self.route("legal")
        elif kind == "place_with_agency":
            s.agency = action["agency"]
            self.route("agency")
        elif kind == "propose_write_off":
            self.propose_write_off(by="policy", reason=f"policy rule {rule_id}", rule_id=rule_id)
        elif kind == "escalate_stage":
            if s.stage == "back":
                return {**action, "skipped": "already_back"}
            self.escalate(next_stage(s.stage), reason=f"policy rule {rule_id}", rule_id=rule_id)
        return action
