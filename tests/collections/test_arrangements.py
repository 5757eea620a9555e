"""Arrangements on the case aggregate (issue 15), without I/O: validation, approval limits by role,
segregation of duties, breaking on a missed instalment, completion on pay-off, and the fold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.collections.domain.arrangements import ArrangementLimits
from services.collections.domain.case import Case
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.history import fold
from services.collections.domain.state import CaseRules, decided
from shared.errors import Forbidden

APRIL_20 = date(2026, 4, 20)
TODAY = date(2026, 7, 24)  # 95 days past due
LIMITS = ArrangementLimits()  # collector 0; supervisor 20% and 5,000; credit manager unlimited
COLLECTOR = frozenset({"collector"})
SUPERVISOR = frozenset({"collections_supervisor"})
CREDIT = frozenset({"credit_manager"})


def d(s: str) -> Decimal:
    return Decimal(s)


def case_owing(principal: str = "3000.00", overdue: str = "3090.00", principal_overdue: str = "3000.00",
               charges: str = "450.00") -> tuple[Case, list]:
    """A 95-DPD case owing principal 3000 + overdue interest 90 + charges 450 = 3540.00."""
    rules = CaseRules()
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=95, overdue_since=APRIL_20,
                     amount_overdue=d(overdue), principal_outstanding=d(principal), business_date=TODAY,
                     rules=rules, principal_overdue=d(principal_overdue))
    case.assign("li", by="routing", on=TODAY)
    case.observe_charge("penalty_interest", d(charges))
    history = [(e, TODAY) for e in case.pending.events]
    case.pending.events = []
    return case, history


def plan(*amounts: str, start: date = TODAY) -> list[tuple[date, Decimal]]:
    return [(start + timedelta(days=30 * n), d(a)) for n, a in enumerate(amounts, 1)]


def test_the_amount_owed_is_principal_plus_overdue_interest_plus_charges():
    case, _ = case_owing()
    assert case.state.amount_owed == d("3540.00")


def test_a_settlement_with_a_waiver_above_the_collectors_limit_waits_for_a_supervisor():
    case, history = case_owing()
    a = case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("1500.00", "1950.00"),
                                  waive=d("90.00"), by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    assert (a.status, a.approver_role, a.owed) == ("pending_approval", "collections_supervisor", d("3540.00"))
    with pytest.raises(Forbidden) as own:
        case.arrangements.approve("arr-1", by="li", roles=COLLECTOR | SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert own.value.code == "own_proposal"
    a = case.arrangements.approve("arr-1", by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert (a.status, a.approved_by, a.within_proposer_limit) == ("approved", "chen", False)
    recorded = [e.event_type for e in case.pending.events]
    assert recorded == ["collections.arrangement.proposed", "collections.arrangement.approved"]
    # the fold of the stream gives the state the commands left
    history += [(e, TODAY) for e in case.pending.events]
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_a_plan_without_a_waiver_is_within_a_collectors_limit_and_approved_at_once():
    case, _ = case_owing()
    a = case.arrangements.propose(arrangement_id="arr-1", kind="instalment_plan",
                                  instalments=plan("1180.00", "1180.00", "1180.00"), waive=d("0.00"), by="li",
                                  roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    assert (a.status, a.approved_by, a.within_proposer_limit, a.approver_role) == ("approved", "li", True, None)


def test_above_the_supervisors_share_it_needs_a_credit_manager():
    case, _ = case_owing()  # 20% of 3540.00 = 708.00
    a = case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("2831.99"),
                                  waive=d("708.01"), by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    assert a.approver_role == "credit_manager"
    with pytest.raises(Forbidden) as limit:
        case.arrangements.approve("arr-1", by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert limit.value.code == "approval_limit"
    assert case.arrangements.approve("arr-1", by="wang", roles=CREDIT, business_date=TODAY,
                                     limits=LIMITS).status == "approved"


def test_the_supervisors_amount_caps_the_share():
    limits = ArrangementLimits(supervisor=d("100.00"))
    assert limits.role_limit("collections_supervisor", d("3540.00")) == d("100.00")
    assert limits.role_limit("collections_supervisor", d("300.00")) == d("60.00")
    assert limits.approver_for(d("100.01"), d("3540.00")) == "credit_manager"


def test_a_supervisor_proposing_within_their_own_limit_is_approved_at_once():
    case, _ = case_owing()
    a = case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("3000.00"),
                                  waive=d("540.00"), by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert (a.status, a.approved_by) == ("approved", "chen")


@pytest.mark.parametrize(("kind", "instalments", "waive", "code"), [
    ("settlement", plan("1500.00", "1950.00"), "0.00", "arrangement_total_mismatch"),
    ("settlement", plan("1500.00", "2040.01"), "0.00", "arrangement_total_mismatch"),
    ("instalment_plan", plan("3540.00"), "0.00", "arrangement_plan_too_short"),
    ("settlement", [(TODAY, d("3540.00"))], "0.00", "arrangement_instalment_date"),
    ("settlement", [(TODAY + timedelta(days=9), d("1770.00")), (TODAY + timedelta(days=3), d("1770.00"))], "0.00",
     "arrangement_instalment_order"),
    ("settlement", plan("3540.00", "0.00"), "0.00", "arrangement_instalment_amount"),
    ("settlement", plan("100.00", "3440.00"), "0.00", "arrangement_first_instalment_below_charges"),
    ("settlement", plan("3540.00"), "-1.00", "arrangement_waive"),
])
def test_an_arrangement_that_does_not_add_up_is_refused_and_changes_nothing(kind, instalments, waive, code):
    case, _ = case_owing()
    before = case.state.model_copy(deep=True)
    with pytest.raises(InvalidCommand) as refused:
        case.arrangements.propose(arrangement_id="arr-1", kind=kind, instalments=instalments, waive=d(waive),
                                  by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    assert refused.value.code == code
    assert case.pending.events == [] and case.state == before


def test_one_live_arrangement_per_case_and_a_rejected_one_makes_room():
    case, _ = case_owing()
    args = dict(kind="settlement", instalments=plan("3000.00"), waive=d("540.00"), by="li", roles=COLLECTOR,
                business_date=TODAY, limits=LIMITS)
    case.arrangements.propose(arrangement_id="arr-1", **args)
    with pytest.raises(CaseRuleViolation) as twice:
        case.arrangements.propose(arrangement_id="arr-2", **args)
    assert twice.value.rule == "arrangement_exists"
    case.arrangements.reject("arr-1", by="chen", reason="ask for more", business_date=TODAY)
    with pytest.raises(CaseRuleViolation):
        case.arrangements.approve("arr-1", by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert case.arrangements.propose(arrangement_id="arr-2", **args).status == "pending_approval"


def test_a_missed_instalment_breaks_it_and_a_payment_between_instalments_is_no_cure():
    case, history = case_owing()
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("1500.00", "1950.00"),
                              waive=d("90.00"), by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    first_due, second_due = TODAY + timedelta(days=30), TODAY + timedelta(days=60)
    case.observe_payment(payment_id="p1", amount=d("1500.00"), paid_on=first_due, loan_status="current",
                         days_past_due=0, overdue_since=None, amount_overdue=None)
    assert case.is_open and case.arrangements.approved.recovered == d("1500.00")
    case.observe_missed(days_past_due=1, overdue_since=second_due, amount_overdue=d("1950.00"),
                        principal_outstanding=d("1950.00"), due_date=second_due, on=second_due + timedelta(days=1))
    a = case.state.arrangements[0]
    assert (a.status, a.missed_instalment, a.broken_on) == ("broken", 2, second_due + timedelta(days=1))
    assert case.state.overdue_since == APRIL_20  # the episode's own start stays
    history += [(e, TODAY) for e in case.pending.events]
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)


def test_paid_off_under_the_arrangement_completes_it():
    case, _ = case_owing()
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("3000.00"),
                              waive=d("540.00"), by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    day = TODAY + timedelta(days=30)
    case.observe_payment(payment_id="p1", amount=d("3000.00"), paid_on=day, loan_status="paid_off",
                         days_past_due=0, overdue_since=None, amount_overdue=None)
    assert case.state.status == "closed" and case.state.resolution == "paid_off"
    a = case.state.arrangements[0]
    assert (a.status, a.completed_on, a.recovered) == ("completed", day, d("3000.00"))
    types = [e.event_type for e in case.pending.events]
    assert types.index("collections.arrangement.completed") < types.index("collections.case.resolved")


def test_without_an_arrangement_holding_a_later_overdue_since_moves_the_episode_on_as_before():
    case, _ = case_owing()
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("3000.00"),
                              waive=d("540.00"), by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    case.arrangements.reject("arr-1", by="chen", reason="no", business_date=TODAY)
    later = APRIL_20 + timedelta(days=31)  # the oldest installment paid: the next unpaid one is the oldest now
    case.observe_missed(days_past_due=64, overdue_since=later, amount_overdue=d("2060.00"),
                        principal_outstanding=d("2000.00"), principal_overdue=d("2000.00"), due_date=later,
                        on=TODAY)
    assert case.state.overdue_since == later and case.state.interest_overdue == d("60.00")


def test_the_escalation_policy_pauses_while_an_approved_arrangement_holds_and_resumes_when_it_breaks():
    from services.collections.adapters.policy_file import load_policy
    from services.collections.config import DEFAULT_POLICY

    policy = load_policy(DEFAULT_POLICY)
    case, _ = case_owing()
    assert case.policy.facts().under_arrangement is False
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("1500.00", "1950.00"),
                              waive=d("90.00"), by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    case.pending.events = []
    for n in range(1, 30):
        case.close_day(TODAY + timedelta(days=n))
        case.apply_policy(policy, TODAY + timedelta(days=n))
    assert "collections.policy.decided" not in [e.event_type for e in case.pending.events]
    first_due = TODAY + timedelta(days=30)
    case.observe_missed(days_past_due=1, overdue_since=first_due, amount_overdue=d("1500.00"),
                        principal_outstanding=d("3000.00"), due_date=first_due, on=first_due + timedelta(days=1))
    assert case.state.arrangements[0].status == "broken" and case.policy.facts().under_arrangement is False


def declined(arrangement_id: str = "arr-1", reason: str = "plan_no_longer_fits"):
    from shared.contracts.arrangements import LoanArrangementDeclined
    return LoanArrangementDeclined(loan_id="L1", arrangement_id=arrangement_id, case_id="L1-E1", reason=reason,
                                   owed_now=d("1400.00"), planned=d("3540.00"), last_instalment=d("1950.00"),
                                   adjustment=d("-2140.00"), declined_on=TODAY)


def test_servicing_declining_an_approved_plan_says_so_on_the_case_and_the_policy_no_longer_pauses():
    case, history = case_owing()
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("1500.00", "1950.00"),
                              waive=d("90.00"), by="chen", roles=SUPERVISOR, business_date=TODAY, limits=LIMITS)
    assert case.policy.facts().under_arrangement is True
    case.arrangements.observe_declined(declined(), TODAY)
    case.arrangements.observe_declined(declined(), TODAY)  # a redelivered notice: recorded once
    a = case.state.arrangements[0]
    assert (a.status, a.decline_reason, a.owed_now, a.planned, a.declined_on) == (
        "declined", "plan_no_longer_fits", d("1400.00"), d("3540.00"), TODAY)
    assert [e.event_type for e in case.pending.events].count("collections.arrangement.declined") == 1
    assert case.policy.facts().under_arrangement is False and case.arrangements.live is None
    history += [(e, TODAY) for e in case.pending.events]
    assert decided(fold(history, episode_key=APRIL_20, rules=CaseRules())) == decided(case.state)
    case.pending.events = []  # no plan in place: a new one may be proposed
    again = case.arrangements.propose(arrangement_id="arr-2", kind="settlement", instalments=plan("3540.00"),
                                      waive=d("0.00"), by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    assert again.status == "approved"


def test_only_an_approved_arrangement_is_declined():
    case, _ = case_owing()
    case.arrangements.propose(arrangement_id="arr-1", kind="settlement", instalments=plan("3000.00"),
                              waive=d("540.00"), by="li", roles=COLLECTOR, business_date=TODAY, limits=LIMITS)
    case.pending.events = []
    case.arrangements.observe_declined(declined(), TODAY)  # still pending: servicing never saw it approved
    case.arrangements.observe_declined(declined("arr-unknown"), TODAY)
    assert case.pending.events == [] and case.state.arrangements[0].status == "pending_approval"
