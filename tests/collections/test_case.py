"""The case aggregate, as a story: open, escalate, promise, break, tag, cure, statute."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.case import Case
from services.collections.domain.commission import CommissionRates, StageRates
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.errors import CaseRuleViolation
from services.collections.domain.state import CaseRules

POLICY = load_policy(DEFAULT_POLICY)
APRIL_20 = date(2026, 4, 20)


def types(case: Case) -> list[str]:
    out = [e.event_type for e in case.pending.events]
    case.pending.events = []
    return out


def opened(dpd: int = 1, amount: str = "1200.00", rules: CaseRules | None = None) -> Case:
    """Disbursed in March; the 20 April installment goes unpaid; day-close on 21 April opens a case."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=dpd, overdue_since=APRIL_20,
                     amount_overdue=Decimal(amount), principal_outstanding=Decimal("10000.00"),
                     business_date=APRIL_20 + timedelta(days=dpd), rules=rules or CaseRules())
    case.apply_policy(POLICY, APRIL_20 + timedelta(days=dpd))
    case.assign("li", by="routing", on=APRIL_20 + timedelta(days=dpd))
    return case


def test_first_miss_opens_a_front_case_and_the_policy_schedules_contact():
    case = opened()
    assert types(case) == ["collections.case.opened", "collections.policy.decided", "collections.case.assigned"]
    assert case.state.stage == "front"
    assert [s["channel"] for s in case.state.scheduled] == ["sms", "phone"]


def test_dpd_crossing_thirty_and_ninety_escalates_to_mid_then_back():
    case = opened()
    types(case)
    case.close_day(date(2026, 5, 20))  # 30 days: still front
    assert case.state.stage == "front"
    case.close_day(date(2026, 5, 21))
    assert case.state.stage == "mid" and case.state.queue == "mid"
    case.observe_missed(days_past_due=91, overdue_since=APRIL_20, amount_overdue=Decimal("3700.00"),
                        principal_outstanding=Decimal("9000.00"))
    escalations = [e for e in case.pending.events if e.event_type == "collections.case.escalated"]
    assert [(e.from_stage, e.to_stage) for e in escalations] == [("front", "mid"), ("mid", "back")]


def test_an_older_missed_notice_never_lowers_the_stage():
    case = opened(dpd=45)
    case.observe_missed(days_past_due=1, overdue_since=APRIL_20, amount_overdue=Decimal("1200.00"),
                        principal_outstanding=Decimal("10000.00"))
    assert (case.state.stage, case.state.days_past_due) == ("mid", 45)


def test_two_broken_promises_tag_a_serial_promiser_and_the_policy_escalates():
    case = opened()
    for n, promised in enumerate((date(2026, 4, 25), date(2026, 5, 2)), start=1):
        case.actions.make_promise(promise_id=f"p{n}", amount=Decimal("500.00"), promised_date=promised,
                                  collector="li", business_date=promised - timedelta(days=2))
        case.close_day(promised + timedelta(days=1))
        decisions = case.apply_policy(POLICY, promised + timedelta(days=1))
    broken = [e for e in case.pending.events if e.event_type == "collections.promise.broken"]
    assert [e.broken_count for e in broken] == [1, 2]
    assert "serial_promiser" in case.state.tags
    assert "serial-promiser-escalation" in [d.rule_id for d in decisions]
    assert case.state.stage == "mid"


def test_partial_payment_against_a_promise_is_partial_not_kept():
    case = opened()
    case.actions.make_promise(promise_id="p1", amount=Decimal("500.00"), promised_date=date(2026, 4, 25),
                              collector="li", business_date=date(2026, 4, 22))
    case.observe_payment(payment_id="pay1", amount=Decimal("200.00"), paid_on=date(2026, 4, 24),
                         loan_status="overdue", days_past_due=4, overdue_since=APRIL_20, amount_overdue=None)
    case.close_day(date(2026, 4, 26))
    [broken] = [e for e in case.pending.events if e.event_type == "collections.promise.broken"]
    assert broken.partial is True and broken.paid_amount == Decimal("200.00")


def test_payment_is_attributed_to_the_collector_with_commission_and_cures_the_case():
    rates = CommissionRates(collector=StageRates(front=Decimal("0.1331"), mid=Decimal("0.15"), back=Decimal("0.2")))
    case = opened(rules=CaseRules(commission=rates))
    types(case)
    case.observe_payment(payment_id="pay1", amount=Decimal("1200.00"), paid_on=date(2026, 4, 28),
                         loan_status="current", days_past_due=0, overdue_since=None, amount_overdue=None)
    recovered, resolved = case.pending.events
    assert (recovered.collector, recovered.commission, recovered.channel) == ("li", Decimal("159.72"), "collector")
    assert (resolved.resolution, case.state.status) == ("cured", "closed")


def test_a_dispute_refuses_contact_until_resolved():
    case = opened()
    case.actions.open_dispute(dispute_id="d1", reason="says the loan was repaid in cash", by="li")
    at = datetime(2026, 4, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    contact = dict(contact_id="c1", channel="phone", outcome="no_answer", collector="li", at=at, local_now=at,
                   business_date=at.date(), note=None, target="borrower", reason=None, policy=ContactPolicy(),
                   recent_calls=[], points=[])
    with pytest.raises(CaseRuleViolation) as err:
        case.reach.log_contact(**contact)
    assert err.value.rule == "dispute_pause"
    case.actions.resolve_dispute(resolution="cash receipt was forged; debt stands", by="supervisor")
    case.reach.log_contact(**contact)
    assert case.state.last_contact_at == at


def test_statute_warns_ninety_days_before_expiry_and_restarts_on_acknowledgement():
    case = opened()
    case.close_day(date(2029, 1, 20))  # 90 days before 20 April 2029
    assert case.state.statute_warned
    case.restart_statute(kind="acknowledgement", on=date(2029, 2, 1), by="li", evidence="signed acknowledgement",
                         business_date=date(2029, 2, 1))
    assert case.state.statute_runs_from == date(2029, 2, 1) and not case.state.statute_warned
    case.close_day(date(2032, 2, 1))
    assert case.state.statute_expired


def test_a_time_barred_debt_leaves_the_legal_queue():
    case = opened(dpd=100, amount="9000.00")
    assert (case.state.queue, case.state.legal_referred) == ("legal", True)
    case.close_day(date(2029, 4, 20))
    assert case.state.statute_expired
    assert (case.state.queue, case.state.legal_referred) == ("back", False)
    decisions = case.apply_policy(POLICY, date(2029, 4, 20))
    assert "back-legal-large" not in [d.rule_id for d in decisions]


def test_charges_during_the_episode_are_totalled_and_payments_reduce_the_overdue_amount():
    case = opened(amount="1200.00")
    case.observe_charge("penalty_interest", Decimal("1.20"))
    case.observe_charge("penalty_interest", Decimal("1.20"))
    case.observe_charge("failed_debit_fee", Decimal("20.00"))
    assert case.state.charges == {"penalty_interest": Decimal("2.40"), "failed_debit_fee": Decimal("20.00")}
    case.observe_payment(payment_id="pay1", amount=Decimal("200.00"), paid_on=date(2026, 4, 24),
                         loan_status="overdue", days_past_due=4, overdue_since=APRIL_20, amount_overdue=None)
    assert case.state.amount_overdue == Decimal("1000.00")


def test_a_cure_keeps_an_open_promise_and_a_write_off_cancels_it():
    cured = opened()
    cured.actions.make_promise(promise_id="p1", amount=Decimal("2000.00"), promised_date=date(2026, 4, 30),
                               collector="li", business_date=date(2026, 4, 22))
    types(cured)
    cured.observe_payment(payment_id="pay1", amount=Decimal("1200.00"), paid_on=date(2026, 4, 24),
                          loan_status="current", days_past_due=0, overdue_since=None, amount_overdue=None)
    assert types(cured) == ["collections.recovery.attributed", "collections.promise.kept", "collections.case.resolved"]
    written = opened()
    written.actions.make_promise(promise_id="p1", amount=Decimal("500.00"), promised_date=date(2026, 4, 30),
                                 collector="li", business_date=date(2026, 4, 22))
    written.resolve("written_off", date(2026, 4, 25))
    assert written.state.promises[0].status == "cancelled"


def test_a_special_path_is_not_left_or_entered_twice_by_a_second_report():
    """Fraud reported on a case; a skip trace or a death report on it is refused and records nothing."""
    case = opened()
    case.actions.report_fraud(by="li", note="ID card reported stolen")
    assert (case.state.special_status, case.state.queue) == ("fraud", "fraud")
    types(case)
    for attempt in (lambda: case.actions.start_skip_trace(by="li", note="number dead"),
                    lambda: case.actions.report_deceased(by="li", note="neighbour says he died"),
                    lambda: case.actions.report_fraud(by="li", note="again")):
        with pytest.raises(CaseRuleViolation) as err:
            attempt()
        assert err.value.rule == "special_status_conflict"
    assert (case.state.special_status, case.state.queue, case.pending.events) == ("fraud", "fraud", [])


def test_a_verified_death_is_not_reset_by_a_new_report_and_a_trace_needs_the_ordinary_path():
    case = opened()
    case.actions.start_skip_trace(by="li", note="moved, number dead")
    with pytest.raises(CaseRuleViolation):
        case.actions.start_skip_trace(by="li", note="still gone")
    case.actions.report_deceased(by="li", note="his brother says he died")
    case.actions.verify_deceased(confirmed=True, by="wu", evidence="death certificate")
    types(case)
    with pytest.raises(CaseRuleViolation) as err:
        case.actions.report_deceased(by="li", note="reported again")
    assert err.value.rule == "special_status_conflict"
    assert (case.state.special_status, case.pending.events) == ("deceased_verified", [])


def test_a_signed_notice_comes_back_by_letter_or_visit_never_by_phone():
    """The village round-up counts households that signed a collection notice (签回催收通知书)."""
    from services.collections.domain.errors import InvalidCommand

    case = opened()
    types(case)
    at = datetime(2026, 4, 23, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    contact = dict(contact_id="c1", collector="li", at=at, local_now=at, business_date=at.date(), note=None,
                   target="borrower", reason=None, policy=ContactPolicy(), recent_calls=[], points=[])
    with pytest.raises(InvalidCommand) as err:
        case.reach.log_contact(channel="phone", outcome="notice_signed", **contact)
    assert err.value.code == "outcome_not_for_channel"
    assert (case.pending.events, case.state.last_contact_at) == ([], None)
    case.reach.log_contact(channel="letter", outcome="notice_signed", **contact)
    [logged] = case.pending.events
    assert (logged.channel, logged.outcome) == ("letter", "notice_signed")


def test_a_promise_dated_beyond_the_horizon_is_refused_and_records_nothing():
    """A promise for 31 December 9999 was a 500 (no day after it); it is bad input."""
    from services.collections.domain.errors import InvalidCommand

    case = opened()
    types(case)
    for far in (date(9999, 12, 31), APRIL_20 + timedelta(days=1 + 366)):
        with pytest.raises(InvalidCommand) as err:
            case.actions.make_promise(promise_id="p1", amount=Decimal("100.00"), promised_date=far, collector="li",
                                      business_date=APRIL_20 + timedelta(days=1))
        assert err.value.code == "promised_date_too_far"
    assert (case.state.promises, case.pending.events) == ([], [])
    case.actions.make_promise(promise_id="p1", amount=Decimal("100.00"),
                              promised_date=APRIL_20 + timedelta(days=1 + 365), collector="li",
                              business_date=APRIL_20 + timedelta(days=1))
    assert [p.promise_id for p in case.state.promises] == ["p1"]


def test_the_view_gives_the_aging_odds_and_asks_for_the_full_amount_first():
    """DOMAIN.md §3: under two years about 80% recovered, over two years about 20%; ask for the full amount."""
    from services.collections.service_layer.views import guidance

    case = opened(dpd=100, amount="9000.00")
    odds = ("recovery_odds", "ask_first")
    assert {k: guidance(case.state)[k] for k in odds} == {"recovery_odds": "about 80%", "ask_first": "9000.00"}
    case.close_day(APRIL_20 + timedelta(days=729))
    assert guidance(case.state)["recovery_odds"] == "about 80%"
    case.close_day(APRIL_20 + timedelta(days=730))
    assert {k: guidance(case.state)[k] for k in odds} == {"recovery_odds": "about 20%", "ask_first": "9000.00"}
    assert "应该要求全额付款" in guidance(case.state)["rule_zh"] and "full amount" in guidance(case.state)["rule_en"]
