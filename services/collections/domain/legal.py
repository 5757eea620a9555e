"""Legal proceedings on a case (`case.legal`): referral → filing → payment order or judgment → enforcement → closed.

DOMAIN.md §3: "legal (法务: court, payment order 支付令, enforcement 强制执行; economic-crime police for
fraud)". Issue 15: "Legal actions in order ... Costs recorded and reported; a time-barred debt is never
filed (it is flagged already)."

The order, step by step (`NEXT`):
- referral: by the escalation policy (`refer_legal`, POLICY.md) or by hand (a supervisor or legal);
- filing (立案): the court, its case number (`reference`), the court fees (`cost`) — never on a
  time-barred debt (409 `time_barred`), nor while a dispute of the debt is open;
- payment order (支付令) or judgment (判决); a payment order the debtor objects to goes on to a
  judgment, never the other way round;
- enforcement (强制执行) of the order or judgment;
- closed: how the proceedings ended (`outcome`) and what they recovered (`amount`); they may be
  closed from any step after the referral (a referral dropped, a suit withdrawn or settled).
A police report (经侦) belongs to the fraud path and may be recorded there at any point, once.
Every step is dated on or after the one before it, never after the business date; costs are exact
to the fen. While proceedings are pending (filed, not closed), the limitation period does not run out:
bringing a suit interrupts it (case.py `_watch_statute`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from shared.contracts import collections as ev
from shared.money import ZERO, Money, to_fen

if TYPE_CHECKING:
    from services.collections.domain.case import Case
    from services.collections.domain.state import CaseState

LegalKind = Literal["referral", "filing", "payment_order", "judgment", "enforcement", "police_report", "closed"]
LegalStatus = Literal["none", "referred", "filed", "payment_order", "judgment", "enforcement", "closed"]
KINDS: tuple[str, ...] = ("referral", "filing", "payment_order", "judgment", "enforcement", "police_report", "closed")

# status of the proceedings -> the steps that may follow it (police reports apart: the fraud path)
NEXT: dict[str, tuple[str, ...]] = {
    "none": ("referral",),
    "referred": ("filing", "closed"),
    "filed": ("payment_order", "judgment", "closed"),
    "payment_order": ("judgment", "enforcement", "closed"),  # an objection to 支付令 goes to a suit
    "judgment": ("enforcement", "closed"),
    "enforcement": ("closed",),
    "closed": (),
}
STATUS_OF = {"referral": "referred", "filing": "filed", "payment_order": "payment_order", "judgment": "judgment",
             "enforcement": "enforcement", "closed": "closed"}
TIME_BARRED = ("referral", "filing")  # a time-barred debt is never referred or filed


class LegalAction(BaseModel):
    """One step of the proceedings as the case keeps it (`recorded_by`: a person, or "policy")."""

    action_id: str
    kind: LegalKind
    on: date
    reference: str | None = None  # the route of a referral; the court's case number (案号) of a filing; ...
    court: str | None = None
    cost: Money = ZERO
    amount: Money | None = None
    outcome: ev.LegalOutcome | None = None
    recorded_by: str
    rule_id: str | None = None  # the policy rule that referred the case
    note: str | None = None


def is_police_referral(action: LegalAction) -> bool:
    """The fraud rule's referral to the economic-crime police: the fraud desk's path, not court proceedings."""
    return action.kind == "referral" and action.reference == "police"


def status(state: CaseState) -> LegalStatus:
    """Where the proceedings stand: the latest step (police reports and police referrals apart: the fraud
    path); a referral counts while it holds (a time-barred debt leaves the legal queue and its referral lapses)."""
    steps = [a.kind for a in state.legal_actions if a.kind not in ("police_report", "referral")]
    if steps:
        return STATUS_OF[steps[-1]]  # type: ignore[return-value]
    referred = any(a.kind == "referral" and not is_police_referral(a) for a in state.legal_actions)
    return "referred" if state.legal_referred and referred else "none"


def unreferred(state: CaseState, route: str | None) -> bool:
    """Whether a policy referral on `route` is a new one: to the police, the first such; otherwise a case not in
    (nor done with) proceedings."""
    if route == "police":
        return not any(is_police_referral(a) for a in state.legal_actions)
    return status(state) == "none"


def in_legal(state: CaseState) -> bool:
    """Referred or filed, and the proceedings not closed: a recovery now is legal's (the `legal` channel)."""
    return status(state) not in ("none", "closed")


def in_proceedings(state: CaseState) -> bool:
    """Filed at court and not closed: the limitation period is interrupted."""
    return status(state) in ("filed", "payment_order", "judgment", "enforcement")


def allowed_next(state: CaseState) -> list[str]:
    """The steps that may be recorded now, in order (what the workbench offers)."""
    steps = [k for k in NEXT[status(state)] if not (state.statute_expired and k in TIME_BARRED)]
    if state.special_status == "fraud" and not any(a.kind == "police_report" for a in state.legal_actions):
        steps.append("police_report")
    if state.status == "closed":  # a closed case: only its pending proceedings may still be closed
        steps = [k for k in steps if k == "closed" and in_legal(state)]
    return steps


def costs_total(state: CaseState) -> Decimal:
    return to_fen(sum((a.cost for a in state.legal_actions), ZERO))


def view(state: CaseState) -> dict[str, object]:
    """The case's `legal` part: the actions in order, their costs, where they stand and what may come next."""
    return {"status": status(state), "in_legal": in_legal(state),
            "actions": [a.model_dump(mode="json") for a in state.legal_actions],
            "costs_total": f"{costs_total(state):.2f}", "next": allowed_next(state)}


class CaseLegal:
    """Records the legal steps on a case (`case.legal`); events go through the case."""

    def __init__(self, case: Case) -> None:
        self.case = case

    @property
    def state(self) -> CaseState:
        return self.case.state

    def next_id(self) -> str:
        return f"{self.state.case_id}-A{len(self.state.legal_actions) + 1}"

    def record(self, *, kind: str, on: date, by: str, business_date: date, reference: str | None = None,
               court: str | None = None, cost: Decimal | None = None, amount: Decimal | None = None,
               outcome: str | None = None, route: str | None = None, note: str | None = None) -> LegalAction:
        """Record one step of the proceedings in its order; refusals change nothing.

        422: an unknown kind, a date after the business date, a negative cost or amount, an outcome
        missing on `closed` or given on another step. 409: `time_barred` (a referral or filing of a
        time-barred debt), `dispute_pause`, `police_report_not_fraud`, `legal_out_of_order` (naming what may
        come next), `case_closed`.
        """
        s = self.state
        if kind not in KINDS:
            raise InvalidCommand("unknown_legal_action", f"kind must be one of {list(KINDS)}")
        if on > business_date:
            raise InvalidCommand("action_in_future", f"{on} is after the business date {business_date}")
        for name, value in (("cost", cost), ("amount", amount)):
            if value is not None and value < 0:
                raise InvalidCommand("invalid_amount", f"{name} must not be negative")
        if kind == "closed" and outcome is None:
            raise InvalidCommand("outcome_required", "closing the proceedings needs their outcome")
        if kind != "closed" and outcome is not None:
            raise InvalidCommand("outcome_only_when_closed", "an outcome is recorded when the proceedings close")
        if kind != "referral" and route is not None:
            raise InvalidCommand("route_only_on_referral", "a route is given with the referral")
        if kind == "referral" and route == "police":
            raise InvalidCommand("police_route_by_report", "the police are told by a police report (经侦), "
                                 "recorded on the fraud path")
        if s.status == "closed" and kind != "closed":
            self.case.require_open()
        if kind in TIME_BARRED and s.statute_expired:
            raise CaseRuleViolation("time_barred", f"the debt is time-barred (the limitation period ran out): "
                                    f"it is never {'filed' if kind == 'filing' else 'referred to legal'}")
        if kind in TIME_BARRED and s.dispute is not None:
            raise CaseRuleViolation("dispute_pause", "the case has an open dispute of the debt: ordinary treatment "
                                    "is paused until it is resolved")
        if kind == "police_report" and s.special_status != "fraud":
            raise CaseRuleViolation("police_report_not_fraud",
                                    "a police report (经侦) is made on the fraud path: report the fraud first")
        allowed = allowed_next(s)
        if kind not in allowed:
            current = status(s)
            raise CaseRuleViolation("legal_out_of_order",
                                    f"{kind} cannot follow where the proceedings stand ({current}); "
                                    f"next: {', '.join(allowed) or 'nothing'}",
                                    status=current, allowed=allowed)
        last = s.legal_actions[-1].on if s.legal_actions else None
        if last is not None and on < last:
            raise CaseRuleViolation("legal_out_of_order", f"{kind} on {on} is dated before the step before it "
                                    f"({last})", status=status(s), allowed=allowed)
        action_id = self.next_id()
        if kind == "referral":
            self.refer(action_id=action_id, on=on, by=by, route=route, note=note)
        else:
            self.case.record(ev.LegalActionRecorded(
                **self.case.ids(), action_id=action_id, kind=kind, on=on, reference=reference,  # type: ignore[arg-type]
                court=court, cost=to_fen(cost if cost is not None else ZERO),
                amount=to_fen(amount) if amount is not None else None, outcome=outcome,  # type: ignore[arg-type]
                recorded_by=by, stage=s.stage, collector=s.assignee, note=note))
        return s.legal_actions[-1]

    def refer(self, *, action_id: str, on: date, by: str, route: str | None, rule_id: str | None = None,
              note: str | None = None) -> None:
        """The referral itself (by hand, or carried out for a policy rule that routes the case itself)."""
        self.case.record(ev.LegalReferred(**self.case.ids(), action_id=action_id, on=on,
                                          route=route, referred_by=by, rule_id=rule_id,  # type: ignore[arg-type]
                                          note=note))
