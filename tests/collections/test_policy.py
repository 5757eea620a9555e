"""The escalation policy is data: the shipped file validates, rules match on facts, decisions name rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.collections.adapters.policy_file import PolicyFileError, load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.policy import CaseFacts, Policy, evaluate


def facts(**kw) -> CaseFacts:
    base = dict(stage="front", days_past_due=5, broken_promises=0, tags=frozenset(), amount_overdue=Decimal("800"),
                special_status="none", statute_expired=False, disputed=False, fired_rules=frozenset())
    base.update(kw)
    return CaseFacts(**base)


def rule_ids(decisions) -> list[str]:
    return [d.rule_id for d in decisions]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(DEFAULT_POLICY)


def test_the_shipped_policy_file_validates(policy):
    assert policy.version
    assert len({r.id for r in policy.rules}) == len(policy.rules)


def test_a_new_front_case_gets_an_sms_and_a_call(policy):
    [decision] = evaluate(policy, facts(), "case_opened")
    assert decision.rule_id == "front-first-contact"
    assert {"type": "schedule_contact", "channel": "sms", "in_days": 0} in decision.actions


def test_back_end_large_debt_goes_to_legal_small_debt_to_an_agency(policy):
    large = evaluate(policy, facts(stage="back", days_past_due=95, amount_overdue=Decimal("12000")), "stage_changed")
    small = evaluate(policy, facts(stage="back", days_past_due=95, amount_overdue=Decimal("1200")), "stage_changed")
    assert rule_ids(large) == ["back-legal-large"]
    assert rule_ids(small) == ["back-agency-small"]


def test_time_barred_debt_is_not_referred_to_legal(policy):
    expired = facts(stage="back", days_past_due=1200, amount_overdue=Decimal("12000"), statute_expired=True)
    assert "back-legal-large" not in rule_ids(evaluate(policy, expired, "stage_changed"))


def test_serial_promiser_escalates_once(policy):
    serial = facts(tags=frozenset({"serial_promiser"}), broken_promises=2)
    assert rule_ids(evaluate(policy, serial, "promise_broken")) == ["broken-promise-call", "serial-promiser-escalation"]
    fired = facts(tags=frozenset({"serial_promiser"}), broken_promises=3,
                  fired_rules=frozenset({"serial-promiser-escalation"}))
    assert rule_ids(evaluate(policy, fired, "promise_broken")) == ["broken-promise-call"]


def test_a_dispute_pauses_every_rule(policy):
    assert evaluate(policy, facts(disputed=True, broken_promises=1), "promise_broken") == []


def test_fraud_cases_leave_the_ordinary_policy(policy):
    fraud = facts(special_status="fraud", broken_promises=1)
    assert evaluate(policy, fraud, "promise_broken") == []
    assert rule_ids(evaluate(policy, fraud, "special_status_changed")) == ["fraud-off-ordinary-path"]


def test_unknown_actions_and_duplicate_ids_are_refused():
    good = {"id": "r1", "triggers": ["case_opened"], "then": [{"type": "send_letter"}]}
    with pytest.raises(ValidationError):
        Policy.model_validate({"version": "x", "rules": [good, good]})
    with pytest.raises(ValidationError):
        Policy.model_validate({"version": "x", "rules": [{**good, "then": [{"type": "call_the_mafia"}]}]})


def test_a_bad_policy_file_stops_the_start(tmp_path):
    bad = tmp_path / "policy.yaml"
    bad.write_text("version: 1\nrules:\n  - id: r1\n    triggers: [case_opened]\n    then: []\n")
    with pytest.raises(PolicyFileError, match="invalid"):
        load_policy(bad)

TAGS = ["hostile", "evasive", "victim", "confident", "stubborn", "sophisticated", "serial_promiser"]
any_facts = st.builds(
    CaseFacts, stage=st.sampled_from(["front", "mid", "back"]), days_past_due=st.integers(1, 2000),
    broken_promises=st.integers(0, 6), tags=st.frozensets(st.sampled_from(TAGS)),
    amount_overdue=st.decimals(min_value=0, max_value=10**6, places=2),
    special_status=st.sampled_from(["none", "unreachable", "deceased_reported", "deceased_verified", "fraud"]),
    statute_expired=st.booleans(), disputed=st.booleans(), fired_rules=st.frozensets(st.sampled_from(
        ["serial-promiser-escalation", "stubborn-visit", "aged-write-off-proposal"])))
any_trigger = st.sampled_from(["case_opened", "stage_changed", "promise_broken", "tagged", "special_status_changed",
                               "day_closed", "dispute_resolved"])


@settings(deadline=None)  # pure, but the machine is shared: a slow example is not a failure
@given(any_facts, any_trigger)
def test_every_decision_names_a_rule_of_the_policy_that_matches_and_respects_the_pauses(facts, trigger):
    policy = load_policy(DEFAULT_POLICY)
    rules = {r.id: r for r in policy.rules}
    decisions = evaluate(policy, facts, trigger)
    if facts.disputed:
        assert decisions == []
    for d in decisions:
        rule = rules[d.rule_id]
        assert trigger in rule.triggers and d.trigger == trigger
        assert not (rule.once and rule.id in facts.fired_rules)
        if facts.special_status in ("fraud", "deceased_reported", "deceased_verified"):
            assert rule.when.special_status and facts.special_status in rule.when.special_status
        if any(a["type"] == "refer_legal" for a in d.actions) and rule.when.statute_expired is False:
            assert not facts.statute_expired


def test_the_service_does_not_start_with_a_broken_policy(tmp_path):
    from services.collections.bootstrap import create_app
    from services.collections.config import CollectionsSettings
    from shared.config import PlatformSettings

    bad = tmp_path / "policy.yaml"
    bad.write_text("version: x\nrules:\n  - id: r1\n    triggers: [case_opened]\n    then: [{type: sue_everyone}]\n")
    with pytest.raises(PolicyFileError):
        create_app(CollectionsSettings(policy_path=bad), PlatformSettings(database_url="postgresql://u@h/db"))


def test_the_service_does_not_start_when_the_policy_routes_to_a_queue_nobody_works(tmp_path):
    from services.collections.bootstrap import create_app
    from services.collections.config import CollectionsSettings
    from shared.config import PlatformSettings

    typo = tmp_path / "policy.yaml"
    typo.write_text("version: x\nrules:\n  - id: r1\n    triggers: [case_opened]\n"
                    "    then: [{type: assign_queue, queue: leagl}]\n")
    with pytest.raises(PolicyFileError, match="leagl"):
        create_app(CollectionsSettings(policy_path=typo), PlatformSettings(database_url="postgresql://u@h/db"))
