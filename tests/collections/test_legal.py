"""Legal proceedings on a case, pure: the order of the steps, time-barred debts, police reports, costs, the fold."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain import legal
from services.collections.domain.case import Case
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.history import fold
from services.collections.domain.state import CaseRules, decided
from shared.contracts import collections as ev

RULES = CaseRules()
APRIL_20 = date(2026, 4, 20)
D = date(2026, 8, 1)


def back_case() -> Case:
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=100, overdue_since=APRIL_20,
                     amount_overdue=Decimal("9000.00"), principal_outstanding=Decimal("11000.00"),
                     business_date=date(2026, 7, 29), rules=RULES)
    case.assign("li", by="routing", on=date(2026, 7, 29))
    return case


def step(case: Case, kind: str, on: date = D, **kw: object) -> legal.LegalAction:
    return case.legal.record(kind=kind, on=on, by="wu", business_date=D, **kw)  # type: ignore[arg-type]


def refused(case: Case, kind: str, on: date = D, **kw: object) -> CaseRuleViolation:
    before = case.state.model_copy(deep=True)
    with pytest.raises(CaseRuleViolation) as err:
        step(case, kind, on, **kw)
    assert case.state == before, "a refusal changes nothing"
    return err.value


def test_referral_filing_payment_order_enforcement_closed_in_order_with_costs_to_the_fen():
    case = back_case()
    assert (legal.status(case.state), legal.allowed_next(case.state), case.state.in_legal) == ("none", ["referral"],
                                                                                              False)
    step(case, "referral", date(2026, 7, 30), route="payment_order")
    assert (case.state.queue, case.state.legal_referred, case.state.in_legal) == ("legal", True, True)
    assert legal.allowed_next(case.state) == ["filing", "closed"]
    step(case, "filing", date(2026, 7, 31), court="上海市浦东新区人民法院", reference="(2026)沪0115民初1234号",
         cost=Decimal("25.005"))
    step(case, "payment_order", reference="(2026)沪0115民督56号", cost=Decimal("50"), amount=Decimal("9000.00"))
    assert legal.allowed_next(case.state) == ["judgment", "enforcement", "closed"]
    step(case, "enforcement", reference="(2026)沪0115执789号", cost=Decimal("100.10"), amount=Decimal("6000"))
    assert case.state.in_legal
    step(case, "closed", outcome="recovered", amount=Decimal("6000.00"))
    s = case.state
    assert [a.kind for a in s.legal_actions] == ["referral", "filing", "payment_order", "enforcement", "closed"]
    assert [a.action_id for a in s.legal_actions] == [f"L1-E1-A{n}" for n in range(1, 6)]
    assert s.legal_actions[1].cost == Decimal("25.01")  # half-up to the fen
    assert legal.costs_total(s) == Decimal("175.11")
    assert (legal.status(s), s.in_legal, legal.allowed_next(s), s.queue) == ("closed", False, [], "back")
    assert legal.view(s)["costs_total"] == "175.11"
    assert refused(case, "enforcement").rule == "legal_out_of_order"


@pytest.mark.parametrize(("done", "kind", "allowed"), [
    ((), "filing", ["referral"]),
    (("referral",), "payment_order", ["filing", "closed"]),
    (("referral",), "enforcement", ["filing", "closed"]),
    (("referral", "filing"), "enforcement", ["payment_order", "judgment", "closed"]),
    (("referral", "filing", "judgment"), "payment_order", ["enforcement", "closed"]),  # never back to 支付令
    (("referral", "filing"), "filing", ["payment_order", "judgment", "closed"]),
    ((), "closed", ["referral"]),
])
def test_a_step_out_of_order_is_refused_naming_what_may_come_next(done, kind, allowed):
    case = back_case()
    for k in done:
        step(case, k, outcome=None)
    err = refused(case, kind, outcome="settled" if kind == "closed" else None)
    assert err.rule == "legal_out_of_order"
    assert err.details[0]["allowed"] == allowed and "next: " in str(err)


def test_an_objected_payment_order_goes_on_to_a_judgment():
    case = back_case()
    for k in ("referral", "filing", "payment_order", "judgment", "enforcement"):
        step(case, k)
    assert legal.status(case.state) == "enforcement"


def test_a_time_barred_debt_is_never_referred_nor_filed():
    case = back_case()
    step(case, "referral")
    case.close_day(date(2029, 4, 20))  # three years from the 20 April 2026 due date
    assert case.state.statute_expired and not case.state.legal_referred and case.state.queue == "back"
    assert legal.status(case.state) == "none" and not case.state.in_legal
    later = date(2029, 4, 21)
    for kind in ("filing", "referral"):
        with pytest.raises(CaseRuleViolation) as err:
            case.legal.record(kind=kind, on=later, by="wu", business_date=later)
        assert err.value.rule == "time_barred"
    assert [a.kind for a in case.state.legal_actions] == ["referral"]
    assert legal.allowed_next(case.state) == []


def test_a_suit_brought_keeps_the_limitation_period_from_running_out_while_pending():
    case = back_case()
    step(case, "referral")
    step(case, "filing", reference="(2026)沪0115民初1号")
    case.close_day(date(2029, 5, 1))
    assert not case.state.statute_expired and legal.status(case.state) == "filed"


def test_a_police_report_belongs_to_the_fraud_path_at_any_point_once():
    case = back_case()
    assert refused(case, "police_report").rule == "police_report_not_fraud"
    case.actions.report_fraud(by="li", note="fake ID")
    assert "police_report" in legal.allowed_next(case.state)
    step(case, "police_report", reference="沪公经侦立字2026-17")
    assert (legal.status(case.state), case.state.queue, case.state.in_legal) == ("none", "fraud", False)
    assert refused(case, "police_report").rule == "legal_out_of_order"
    with pytest.raises(InvalidCommand) as err:
        step(case, "referral", route="police")
    assert err.value.code == "police_route_by_report"


def test_the_fraud_rule_s_police_referral_is_the_fraud_desk_s_not_court_proceedings():
    case = back_case()
    case.pending.triggers = []  # the opening's rules aside (back-legal-large would refer it to court)
    case.actions.report_fraud(by="li", note="fake ID")
    case.apply_policy(load_policy(DEFAULT_POLICY), D)  # fraud-off-ordinary-path: fraud queue, refer to the police
    [police] = case.state.legal_actions
    assert (police.kind, police.reference, police.recorded_by) == ("referral", "police", "policy")
    s = case.state
    assert (s.legal_referred, s.queue, legal.status(s), s.in_legal) == (True, "fraud", "none", False)
    assert legal.allowed_next(s) == ["referral", "police_report"]
    step(case, "referral", note="借款人名下有房产，可诉")
    assert (legal.status(case.state), case.state.in_legal, case.state.queue) == ("referred", True, "legal")
    assert case.state.legal_actions[-1].note == "借款人名下有房产，可诉"
    assert not legal.unreferred(case.state, "police") and not legal.unreferred(case.state, "lawsuit")


def test_bad_input_is_refused_and_changes_nothing():
    case = back_case()
    step(case, "referral")
    before = case.state.model_copy(deep=True)
    for kw, code in [({"kind": "appeal"}, "unknown_legal_action"),
                     ({"kind": "filing", "on": date(2026, 8, 2)}, "action_in_future"),
                     ({"kind": "filing", "cost": Decimal("-1")}, "invalid_amount"),
                     ({"kind": "closed"}, "outcome_required"),
                     ({"kind": "filing", "outcome": "recovered"}, "outcome_only_when_closed"),
                     ({"kind": "filing", "route": "lawsuit"}, "route_only_on_referral"),
                     ({"kind": "filing", "route": "police"}, "route_only_on_referral")]:
        with pytest.raises(InvalidCommand) as err:
            case.legal.record(**{"on": D, "by": "wu", "business_date": D, **kw})  # type: ignore[arg-type]
        assert err.value.code == code
    assert refused(case, "filing", date(2026, 7, 1)).rule == "legal_out_of_order"  # before the referral
    assert case.state == before


def test_a_dispute_of_the_debt_pauses_a_filing():
    case = back_case()
    step(case, "referral")
    case.actions.open_dispute(dispute_id="d1", reason="amount", by="li")
    assert refused(case, "filing").rule == "dispute_pause"


def test_a_closed_case_may_only_close_its_pending_proceedings():
    case = back_case()
    step(case, "referral")
    step(case, "filing")
    case.resolve("paid_off", D)
    assert legal.allowed_next(case.state) == ["closed"]
    assert refused(case, "payment_order").rule == "case_closed"
    step(case, "closed", outcome="settled", amount=Decimal("9000.00"))
    assert legal.status(case.state) == "closed"


def test_the_policy_refers_by_its_own_event_and_routes_by_its_decision_and_the_fold_agrees():
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=100, overdue_since=APRIL_20,
                     amount_overdue=Decimal("9000.00"), principal_outstanding=Decimal("11000.00"),
                     business_date=date(2026, 7, 29), rules=RULES)
    case.apply_policy(load_policy(DEFAULT_POLICY), date(2026, 7, 29))
    types = [e.event_type for e in case.pending.events]
    referred = next(e for e in case.pending.events if isinstance(e, ev.LegalReferred))
    decision = next(e for e in case.pending.events if isinstance(e, ev.PolicyDecided) and e.rule_id == referred.rule_id)
    assert types.index("collections.legal.referred") < types.index("collections.policy.decided")
    assert referred.referred_by == "policy" and referred.route == "payment_order"
    assert {"type": "refer_legal", "route": "payment_order", "action_id": referred.action_id} in decision.actions
    assert case.state.queue == "legal" and [a.kind for a in case.state.legal_actions] == ["referral"]
    history = [(e, date(2026, 7, 29)) for e in case.pending.events]
    assert decided(fold(history, episode_key=APRIL_20, rules=RULES)) == decided(case.state)


def test_a_decision_recorded_before_the_referral_event_existed_still_shows_the_referral():
    case = back_case()
    case.record(ev.PolicyDecided(**case.ids(), policy_version="1", rule_id="back-legal-large", trigger="stage_changed",
                                 actions=[{"type": "refer_legal", "route": "lawsuit"}]), date(2026, 7, 29))
    [referral] = case.state.legal_actions
    assert (referral.kind, referral.reference, referral.recorded_by, referral.rule_id) == (
        "referral", "lawsuit", "policy", "back-legal-large")
    assert legal.status(case.state) == "referred" and case.state.queue == "legal"
