"""Day-close only loads the cases it can change; the rest just count their DPD up."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.attention import next_attention
from services.collections.domain.case import Case
from services.collections.domain.policy import Policy
from services.collections.domain.state import CaseRules

POLICY = load_policy(DEFAULT_POLICY)
RULES = CaseRules()
APRIL_20 = date(2026, 4, 20)


def front_case() -> Case:
    return Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=1, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1000.00"), principal_outstanding=Decimal("9000.00"),
                     business_date=date(2026, 4, 21), rules=RULES)


def test_a_front_case_needs_attention_the_day_it_turns_31_days_past_due():
    assert next_attention(front_case().state, RULES, POLICY) == date(2026, 5, 21)


def test_an_open_promise_brings_the_day_after_its_deadline_forward():
    case = front_case()
    case.actions.make_promise(promise_id="p1", amount=Decimal("100.00"), promised_date=date(2026, 4, 25),
                              collector="li", business_date=date(2026, 4, 22))
    assert next_attention(case.state, RULES, POLICY) == date(2026, 4, 26)


def test_a_back_case_waits_for_the_statute_warning_or_the_aged_write_off_rule():
    case = front_case()
    case.close_day(date(2026, 7, 20))  # 91 days: back
    assert case.state.stage == "back"
    # aged-write-off-proposal fires at 730 days past due, before the statute warning (90 days before 3 years)
    assert next_attention(case.state, RULES, POLICY) == APRIL_20 + timedelta(days=730)
    case.state.fired_rules.append("aged-write-off-proposal")
    assert next_attention(case.state, RULES, POLICY) == date(2029, 4, 20) - timedelta(days=90)


def test_a_day_rule_without_a_dpd_threshold_means_every_day():
    every_day = Policy.model_validate({"version": "t", "rules": [
        {"id": "daily-sms", "triggers": ["day_closed"], "then": [{"type": "schedule_contact", "channel": "sms"}]}]})
    assert next_attention(front_case().state, RULES, every_day) == date.min


def test_closed_cases_need_nothing():
    case = front_case()
    case.resolve("cured", date(2026, 4, 23))
    assert next_attention(case.state, RULES, POLICY) == date.max
