"""The case's state is a fold of its events: one story per event type, and the aggregate's record replayed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.collections.adapters.policy_file import load_policy
from services.collections.config import DEFAULT_POLICY
from services.collections.domain.case import Case
from services.collections.domain.contact_points import all_points
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.history import evolve, fold, opened
from services.collections.domain.state import CaseRules, CaseState, decided
from shared.contracts import collections as ev
from shared.errors import NotFound

RULES = CaseRules()
APRIL_20, APRIL_21 = date(2026, 4, 20), date(2026, 4, 21)
IDS = {"case_id": "L1-E1", "loan_id": "L1"}


def new_case(stage: str = "front") -> CaseState:
    """Disbursed in March, the 20 April installment unpaid: the case opened on 21 April."""
    return opened(ev.CaseOpened(**IDS, stage=stage, days_past_due=1, amount_overdue=Decimal("1066.19"),
                                opened_on=APRIL_21, tags=["evasive"]), APRIL_20)


def test_opening_starts_the_episode_in_its_stage_queue_with_the_earlier_tags_and_the_statute_from_the_miss():
    s = new_case()
    assert (s.stage, s.queue, s.status, s.tags) == ("front", "front", "open", ["evasive"])
    assert s.episode_key == s.statute_runs_from == s.overdue_since == APRIL_20


def test_an_assignment_names_the_collector_and_the_queue():
    s = evolve(new_case(), ev.CaseAssigned(**IDS, collector="li", queue="legal", assigned_by="chen"),
               date(2026, 4, 23), RULES)
    assert (s.assignee, s.queue, s.assigned_on, s.holders) == ("li", "legal", date(2026, 4, 23), ["li"])
    evolve(s, ev.CaseAssigned(**IDS, collector="wu", queue="legal", assigned_by="chen"), date(2026, 4, 25), RULES)
    evolve(s, ev.CaseAssigned(**IDS, collector="li", queue="legal", assigned_by="chen"), date(2026, 4, 27), RULES)
    assert (s.assignee, s.assigned_on, s.holders) == ("li", date(2026, 4, 27), ["li", "wu"])


def test_an_escalation_moves_a_stage_queue_but_not_a_desk_and_a_rules_escalation_waits_for_its_decision():
    by_dpd = evolve(new_case(), ev.CaseEscalated(**IDS, from_stage="front", to_stage="mid", reason="dpd"), None, RULES)
    assert (by_dpd.stage, by_dpd.queue) == ("mid", "mid")
    at_legal = new_case()
    at_legal.queue = "legal"
    evolve(at_legal, ev.CaseEscalated(**IDS, from_stage="front", to_stage="mid", reason="hand"), None, RULES)
    assert (at_legal.stage, at_legal.queue) == ("mid", "legal")
    by_rule = evolve(new_case(), ev.CaseEscalated(**IDS, from_stage="front", to_stage="mid", reason="r", rule_id="x"),
                     None, RULES)
    assert (by_rule.stage, by_rule.queue) == ("mid", "front")
    evolve(by_rule, ev.PolicyDecided(**IDS, policy_version="1", rule_id="x", trigger="promise_broken",
                                     actions=[{"type": "escalate_stage"}]), APRIL_21, RULES)
    assert (by_rule.queue, by_rule.fired_rules) == ("mid", ["x"])


def test_a_policy_decision_schedules_refers_places_and_routes_in_the_order_of_its_actions():
    s = evolve(new_case(), ev.PolicyDecided(**IDS, policy_version="1", rule_id="r1", trigger="stage_changed", actions=[
        {"type": "schedule_contact", "channel": "phone", "in_days": 2},
        {"type": "send_letter", "template": "demand", "registered": True},
        {"type": "field_visit", "in_days": 5},
        {"type": "refer_legal", "route": "lawsuit"},
        {"type": "refer_legal", "route": "payment_order", "skipped": "statute_expired"},
        {"type": "place_with_agency", "agency": "acme"},
        {"type": "assign_queue", "queue": "back"}]), APRIL_21, RULES)
    assert s.scheduled == [{"channel": "phone", "due": "2026-04-23", "rule_id": "r1"},
                           {"channel": "letter", "due": "2026-04-21", "rule_id": "r1", "template": "demand"},
                           {"channel": "visit", "due": "2026-04-26", "rule_id": "r1"}]
    assert (s.legal_referred, s.agency, s.queue, s.fired_rules) == (True, "acme", "back", ["r1"])
    police = evolve(new_case(), ev.PolicyDecided(**IDS, policy_version="1", rule_id="f", trigger="tagged",
                                                 actions=[{"type": "refer_legal", "route": "police"}]), APRIL_21, RULES)
    assert (police.legal_referred, police.queue) == (True, "front")


def test_a_contact_is_the_last_contact_and_does_what_was_scheduled_on_its_channel():
    s = new_case()
    s.scheduled = [{"channel": "phone", "due": "2026-04-21"}, {"channel": "sms", "due": "2026-04-21"}]
    at = datetime(2026, 4, 22, 2, tzinfo=UTC)
    evolve(s, ev.ContactLogged(**IDS, contact_id="c1", channel="phone", outcome="no_answer", collector="li",
                               contacted_at=at, reason="job_loss"), APRIL_21, RULES)
    assert (s.last_contact_at, s.last_contact_on) == (at, APRIL_21)
    assert s.scheduled == [{"channel": "sms", "due": "2026-04-21"}]
    assert s.latest_reason == "job_loss"
    evolve(s, ev.ContactLogged(**IDS, contact_id="c2", channel="visit", outcome="met_family", collector="li",
                               contacted_at=at, invalid_address=True, point_id="borrower-home"), APRIL_21, RULES)
    assert (s.latest_reason, s.invalid_address_visits) == ("job_loss", 1)  # a contact that said no reason keeps it


def promised(s: CaseState, amount: str = "500.00") -> CaseState:
    return evolve(s, ev.PromiseMade(**IDS, promise_id="p1", amount=Decimal(amount), promised_date=date(2026, 4, 25),
                                    collector="li"), APRIL_21, RULES)


def test_a_promise_made_is_open_from_the_day_it_was_made():
    [p] = promised(new_case()).promises
    assert (p.status, p.made_on, p.paid, p.amount) == ("open", APRIL_21, Decimal("0"), Decimal("500.00"))


def recovered(s: CaseState, amount: str, on: date) -> CaseState:
    return evolve(s, ev.RecoveryAttributed(**IDS, payment_id=f"pay-{on}", collector="li", amount=Decimal(amount),
                                           commission=Decimal("0.00")), on, RULES)


def test_a_recovery_counts_toward_the_open_promise_only_by_its_deadline():
    s = recovered(recovered(promised(new_case()), "200.00", date(2026, 4, 24)), "300.00", date(2026, 4, 26))
    assert (s.recovered, s.promises[0].paid, s.promises[0].status) == (Decimal("500.00"), Decimal("200.00"), "open")


def test_a_promise_kept_is_settled_on_the_day():
    s = recovered(promised(new_case()), "500.00", date(2026, 4, 24))
    evolve(s, ev.PromiseKept(**IDS, promise_id="p1", amount=Decimal("500.00"), paid_amount=Decimal("500.00"),
                             promised_date=date(2026, 4, 25)), date(2026, 4, 24), RULES)
    assert (s.promises[0].status, s.promises[0].settled_on) == ("kept", date(2026, 4, 24))


@pytest.mark.parametrize(("paid", "verdict"), [("0", "broken"), ("100.00", "partial")])
def test_a_promise_broken_is_partial_when_something_was_paid_and_counts_the_breaks(paid, verdict):
    s = promised(new_case())
    if paid != "0":
        recovered(s, paid, date(2026, 4, 24))
    evolve(s, ev.PromiseBroken(**IDS, promise_id="p1", amount=Decimal("500.00"), paid_amount=Decimal(paid),
                               promised_date=date(2026, 4, 25), broken_count=1, partial=paid != "0"),
           date(2026, 4, 26), RULES)
    assert (s.promises[0].status, s.promises[0].settled_on, s.broken_promises) == (verdict, date(2026, 4, 26), 1)


@pytest.mark.parametrize(("resolution", "promise"), [("written_off", "cancelled"), ("cured", "open")])
def test_resolution_closes_the_case_and_a_write_off_cancels_the_open_promise(resolution, promise):
    s = evolve(promised(new_case()), ev.CaseResolved(**IDS, resolution=resolution, resolved_on=date(2026, 5, 1)),
               None, RULES)
    assert (s.status, s.resolution, s.resolved_on, s.promises[0].status) == \
        ("closed", resolution, date(2026, 5, 1), promise)


def test_a_tag_is_added():
    s = evolve(new_case(), ev.CaseTagged(**IDS, behaviour="hostile", tagged_by="li"), None, RULES)
    assert s.tags == ["evasive", "hostile"]


@pytest.mark.parametrize(("status", "path", "queue"), [
    ("fraud", None, "fraud"), ("deceased_reported", None, "deceased"),
    ("deceased_verified", "estate_repayment", "estate"),
    ("unreachable", None, "mid"), ("none", None, "mid")])
def test_a_special_status_sends_the_case_to_its_desk_or_back_to_its_stage(status, path, queue):
    s = evolve(new_case("mid"), ev.SpecialStatusChanged(**IDS, status=status, previous="none", changed_by="li",
                                                        path=path), None, RULES)
    assert (s.special_status, s.special_path, s.queue) == (status, path, queue)


def test_a_dispute_opens_and_resolves():
    s = evolve(new_case(), ev.DisputeOpened(**IDS, dispute_id="d1", reason="repaid in cash", opened_by="li"), None,
               RULES)
    assert s.dispute == {"dispute_id": "d1", "reason": "repaid in cash", "opened_by": "li"}
    evolve(s, ev.DisputeResolved(**IDS, dispute_id="d1", resolution="forged", resolved_by="wu"), None, RULES)
    assert s.dispute is None


def test_the_statute_warns_expires_out_of_the_legal_queue_and_restarts():
    s = new_case("back")
    evolve(s, ev.StatuteWarned(**IDS, runs_from=APRIL_20, expires_on=date(2029, 4, 20), days_left=90), None, RULES)
    assert s.statute_warned
    evolve(s, ev.StatuteRestarted(**IDS, kind="acknowledgement", on=date(2029, 2, 1), expires_on=date(2032, 2, 1),
                                  recorded_by="li"), None, RULES)
    assert (s.statute_runs_from, s.statute_warned) == (date(2029, 2, 1), False)
    s.queue, s.legal_referred = "legal", True
    evolve(s, ev.StatuteExpired(**IDS, runs_from=date(2029, 2, 1), expired_on=date(2032, 2, 1)), None, RULES)
    assert (s.statute_expired, s.legal_referred, s.queue) == (True, False, "back")


def test_a_write_off_is_proposed_then_decided():
    s = evolve(new_case(), ev.WriteOffProposed(**IDS, proposed_by="policy", reason="aged"), None, RULES)
    evolve(s, ev.WriteOffDecided(**IDS, decided_by="wu", reason="aged"), None, RULES)
    assert (s.write_off_proposed, s.write_off_decided) == (True, True)


def test_a_dated_event_needs_its_business_date_and_a_stream_starts_with_its_opening():
    with pytest.raises(ValueError, match="business date"):
        promised_without_date = ev.PromiseMade(**IDS, promise_id="p", amount=Decimal("1.00"), promised_date=APRIL_21,
                                               collector="li")
        evolve(new_case(), promised_without_date, None, RULES)
    with pytest.raises(ValueError, match="starts with"):
        fold([(ev.CaseTagged(**IDS, behaviour="hostile", tagged_by="li"), APRIL_21)], episode_key=APRIL_20,
             rules=RULES)


# ---- the aggregate's record, replayed ---------------------------------------------------------

POLICY = load_policy(DEFAULT_POLICY)
AT = datetime(2026, 4, 22, 10, tzinfo=UTC)
COMMANDS = st.sampled_from(["promise", "pay", "pay_in_full", "close_day", "contact", "tag", "fraud", "skip_trace",
                            "deceased", "verify", "estate", "dispute", "resolve_dispute", "escalate", "assign",
                            "write_off", "missed", "restart", "days_later", "trace", "mark", "complain",
                            "resolve_complaint", "place", "recall", "legal", "legal", "legal"])
LOAN = {"borrower": {"phone": "13900000000", "addresses": {"home": "上海市浦东新区张江路1号"}},
        "contacts": [{"relation": "family", "phone": "13800000001"}], "guarantor": {"phone": "13700000000"}}


def run(case: Case, command: str, day: date, n: int) -> date:
    """One command on the case on business date `day`; refusals leave it as it was."""
    act = case.actions
    steps = {
        "promise": lambda: act.make_promise(promise_id=f"p{n}", amount=Decimal("300.00"), collector="li",
                                            promised_date=day + timedelta(days=n % 5), business_date=day),
        "pay": lambda: case.observe_payment(payment_id=f"pay{n}", amount=Decimal("120.00"), paid_on=day,
                                            loan_status="overdue", days_past_due=(day - APRIL_20).days,
                                            overdue_since=APRIL_20, amount_overdue=None),
        "pay_in_full": lambda: case.observe_payment(payment_id=f"pay{n}", amount=Decimal("2000.00"), paid_on=day,
                                                    loan_status="current", days_past_due=0, overdue_since=None,
                                                    amount_overdue=None),
        "close_day": lambda: case.close_day(day),
        "contact": lambda: case.reach.log_contact(
            contact_id=f"c{n}", channel=["phone", "visit", "letter"][n % 3],
            outcome=["no_answer", "wrong_number", "dispute", "right_party_contact", "deceased_reported", "moved",
                     "met_borrower"][n % 7],
            collector="li", at=AT, local_now=AT, business_date=day, note=None,
            target=["borrower", "borrower-home", "contact-family", "guarantor"][n % 4], reason=["forgot", None][n % 2],
            policy=ContactPolicy(), recent_calls=[], points=all_points(case.state.contact_points, LOAN)),
        "trace": lambda: case.reach.add_point(point_id=f"cp{n}", kind=["phone", "address"][n % 2],
                                              value=f"finding {n}", relation="borrower", source="trace", by="li",
                                              points=case.state.contact_points),
        "mark": lambda: case.reach.mark_point(["borrower-home", "borrower-phone"][n % 2], ["valid", "invalid"][n % 2],
                                              by="li", reason="by hand",
                                              points=all_points(case.state.contact_points, LOAN)),
        "complain": lambda: case.complaint_desk.open(
            complaint_id=f"cmp{n}", category=["fees", "collector_conduct"][n % 2], description="rude", owner=None,
            by="li", business_date=day, due_days=15),
        "resolve_complaint": lambda: case.complaint_desk.resolve(
            complaint_id=next((c.complaint_id for c in case.state.complaints if c.status == "open"), "none"),
            resolution="apologised", by="wu", business_date=day),
        "tag": lambda: act.tag(["hostile", "victim", "stubborn"][n % 3], by="li"),
        "fraud": lambda: act.report_fraud(by="li", note=None),
        "skip_trace": lambda: act.start_skip_trace(by="li", note=None),
        "deceased": lambda: act.report_deceased(by="li", note=None),
        "verify": lambda: act.verify_deceased(confirmed=n % 2 == 0, by="wu", evidence="certificate"),
        "estate": lambda: act.choose_deceased_path(path=["estate_repayment", "write_off"][n % 2], by="wu", note=None),
        "dispute": lambda: act.open_dispute(dispute_id=f"d{n}", reason="cash", by="li"),
        "resolve_dispute": lambda: act.resolve_dispute(resolution="forged", by="wu"),
        "escalate": lambda: case.escalate("back" if n % 2 else "mid", reason="hand"),
        "assign": lambda: case.assign("zhao", by="chen", queue=["legal", "front", None][n % 3], on=day),
        "write_off": lambda: act.decide_write_off(by="wu", reason="aged"),
        "missed": lambda: case.observe_missed(days_past_due=(day - APRIL_20).days, overdue_since=APRIL_20,
                                              amount_overdue=Decimal("2132.38"), principal_outstanding=Decimal("9000")),
        "legal": lambda: case.legal.record(
            kind=["referral", "filing", "payment_order", "judgment", "enforcement", "police_report", "closed"][n % 7],
            on=day, by="wu", business_date=day, reference=f"(2026)沪0115民初{n}号", cost=Decimal("12.35") * n,
            amount=Decimal("500.00") if n % 7 in (2, 3, 4, 6) else None,
            outcome="recovered" if n % 7 == 6 else None),
        "restart": lambda: case.restart_statute(kind="demand", on=day, by="li", evidence="letter", business_date=day),
        "place": lambda: case.placements.place(agency=["acme", "huaxia"][n % 2], fee_rate=Decimal("0.25"),
                                               recall_on=day + timedelta(days=[0, 3, 30][n % 3]), by="chen",
                                               business_date=day),
        "recall": lambda: case.placements.recall(f"L1-E1-P{n % 3}", by="chen", business_date=day),
    }
    if command == "days_later":
        return day + timedelta(days=[1, 7, 40, 400][n % 4])
    try:
        steps[command]()
    except (CaseRuleViolation, InvalidCommand, NotFound):
        pass
    if case.is_open:
        case.apply_policy(POLICY, day)
        if case.pending.needs_assignment:
            case.assign("li", by="routing", on=day)
    return day


@settings(max_examples=150, deadline=None)
@given(st.lists(COMMANDS, max_size=40))
def test_whatever_the_commands_the_fold_of_what_they_recorded_is_the_case(commands):
    """Each command's events are tagged with the day it ran on, as the service's envelopes are."""
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=1, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("10000.00"),
                     business_date=APRIL_21, rules=RULES)
    history = []
    day = APRIL_21
    for n, command in enumerate(["open", *commands]):
        if n:
            day = run(case, command, day, n)
        else:
            case.apply_policy(POLICY, day)
            case.assign("li", by="routing", on=day)
        history += [(e, day) for e in case.pending.events]
        case.pending.events = []
    assert decided(fold(history, episode_key=APRIL_20, rules=RULES)) == decided(case.state)


def test_only_servicings_figures_are_observed_without_an_event():
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=1, overdue_since=APRIL_20,
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("10000.00"),
                     business_date=APRIL_21, rules=RULES)
    case.observe(days_past_due=5, amount_overdue=Decimal("900.00"))
    assert (case.state.days_past_due, case.state.amount_overdue) == (5, Decimal("900.00"))
    with pytest.raises(ValueError, match="stage"):
        case.observe(stage="back")
    assert case.state.stage == "front"
