"""Reaching the borrower, pure: contact points, visits, third parties, reasons, complaints, the notes' tactics."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.collections.domain import contact_points as cp
from services.collections.domain.case import Case
from services.collections.domain.contact_points import all_points, masked, origination_points
from services.collections.domain.contact_policy import ContactPolicy
from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.state import CaseRules
from services.collections.domain.tactics import FULL_AMOUNT_RULE, TACTICS, tactic
from shared.contracts import collections as ev
from shared.contracts.registry import upcast

SEED = Path("/work/shared/seed/000_ffb7a1779d5b4d01.txt")  # the collector's notes, where the team keeps them
EXCERPT = Path(__file__).with_name("notes_156_242.txt")  # their lines 156–242, committed with the tests
AT = datetime(2026, 4, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = date(2026, 4, 22)
LOAN_V2 = {  # the loan directory after a loan.disbursed v2
    "borrower": {"name": "张伟", "phone": "13900000000",
                 "addresses": {"home": "上海市浦东新区张江路100弄5号", "work": "上海市徐汇区漕溪北路88号"},
                 "employer": {"name": "华联超市", "phone": "02164000000"}},
    "contacts": [{"relation": "family", "name": "王芳", "phone": "13800000001"},
                 {"relation": "other", "name": "赵强", "phone": "13800000002"},
                 {"relation": "work", "name": "钱经理", "phone": "13800000003"}],
    "guarantor": {"name": "李娜", "phone": "13700000000", "id_number": "310101********1234"},
}
LOAN_V1 = {"borrower": {"name": "张伟", "phone": "13900000000"}, "contacts": LOAN_V2["contacts"], "guarantor": None}


def opened() -> Case:
    case = Case.open(case_id="L1-E1", loan_id="L1", episode=1, days_past_due=2, overdue_since=date(2026, 4, 20),
                     amount_overdue=Decimal("1066.19"), principal_outstanding=Decimal("11000.00"),
                     business_date=DAY, rules=CaseRules())
    case.assign("li", by="routing", on=DAY)
    case.pending.events = []
    return case


def contact(case: Case, channel: str, outcome: str, target: str = "borrower", loan=LOAN_V2, **kw) -> None:
    case.reach.log_contact(contact_id=kw.pop("contact_id", "c1"), channel=channel, outcome=outcome, collector="li",
                           at=AT, local_now=AT, business_date=DAY, note=None, target=target,
                           reason=kw.pop("reason", None), policy=ContactPolicy(), recent_calls=[],
                           points=all_points(case.state.contact_points, loan), **kw)


def points(case: Case, loan=LOAN_V2) -> dict[str, str]:
    return {p.point_id: p.status for p in all_points(case.state.contact_points, loan)}


# ---- contact points ----------------------------------------------------------------------------

def test_a_v2_loan_gives_every_origination_point_and_a_v1_loan_what_it_carried():
    v2 = {p.point_id: (p.kind, p.relation) for p in origination_points(LOAN_V2)}
    assert v2 == {"borrower-phone": ("phone", "borrower"), "borrower-home": ("address", "borrower"),
                  "borrower-work": ("address", "borrower"), "guarantor-phone": ("phone", "guarantor"),
                  "employer": ("employer", "work"), "employer-phone": ("phone", "work"),
                  "contact-family": ("phone", "family"), "contact-other": ("phone", "other"),
                  "contact-work": ("phone", "work")}
    assert [p.point_id for p in origination_points(LOAN_V1)] == [
        "borrower-phone", "contact-family", "contact-other", "contact-work"]
    assert origination_points(None) == []
    assert {p.source for p in origination_points(LOAN_V2)} == {"origination"}


def test_values_are_masked_for_display():
    shown = {p.point_id: masked(p).value for p in origination_points(LOAN_V2)}
    assert shown["borrower-phone"] == "139****0000"
    assert shown["borrower-home"] == "上海市浦东新****"
    assert shown["employer"] == "华联超市"  # a company's name is not personal data


def test_a_trace_finding_is_a_new_point_and_the_same_one_twice_is_refused():
    case = opened()
    case.reach.add_point(point_id="cp1", kind="address", value="上海市闵行区莘庄镇1号", relation="borrower",
                         source="contact:contact-family", by="li", points=all_points([], LOAN_V2))
    [added] = case.pending.events
    assert isinstance(added, ev.ContactPointAdded) and added.source == "contact:contact-family"
    assert points(case)["cp1"] == "unknown"
    with pytest.raises(CaseRuleViolation) as err:
        case.reach.add_point(point_id="cp2", kind="address", value="上海市闵行区莘庄镇1号", relation="borrower",
                             source="trace", by="li", points=all_points(case.state.contact_points, LOAN_V2))
    assert err.value.rule == "contact_point_exists"


def test_a_wrong_number_marks_the_phone_used_invalid_and_the_borrower_unreachable():
    case = opened()
    contact(case, "phone", "wrong_number", target="contact-family")
    assert points(case)["contact-family"] == "invalid"
    assert case.state.special_status == "none"  # a third party's number: the borrower is not lost yet
    contact(case, "phone", "wrong_number", contact_id="c2")  # the borrower, no point named: the applicant's phone
    assert points(case)["borrower-phone"] == "invalid"
    assert case.state.special_status == "unreachable"
    changed = [e for e in case.pending.events if isinstance(e, ev.ContactPointStatusChanged)]
    assert [(e.point_id, e.previous, e.status, e.reason, e.contact_id) for e in changed] == [
        ("contact-family", "unknown", "invalid", "wrong_number", "c1"),
        ("borrower-phone", "unknown", "invalid", "wrong_number", "c2")]


def test_a_point_is_marked_by_hand_and_an_unknown_point_is_not_found():
    from shared.errors import NotFound

    case = opened()
    marked = case.reach.mark_point("borrower-home", "invalid", by="li", reason="returned_letter",
                                   points=all_points([], LOAN_V2))
    assert (marked.status, marked.status_reason, marked.value) == ("invalid", "returned_letter",
                                                                   LOAN_V2["borrower"]["addresses"]["home"])
    assert case.reach.mark_point("borrower-home", "invalid", by="li", reason="again",
                                 points=all_points(case.state.contact_points, LOAN_V2)).status_reason == \
        "returned_letter"  # already invalid: nothing recorded
    assert len(case.pending.events) == 1
    with pytest.raises(NotFound):
        case.reach.mark_point("cp-nope", "invalid", by="li", reason="x", points=all_points([], LOAN_V2))


# ---- visits ------------------------------------------------------------------------------------

def test_visits_are_valid_when_they_meet_the_household_and_flagged_at_an_invalid_address():
    case = opened()
    contact(case, "visit", "moved", target="borrower-home")
    assert points(case)["borrower-home"] == "invalid"
    assert case.state.special_status == "unreachable"  # moved: trace through the contacts
    contact(case, "visit", "no_answer", target="borrower-home", contact_id="c2")  # the notes' warning
    contact(case, "visit", "met_borrower", target="borrower-work", contact_id="c3")
    logged = [e for e in case.pending.events if isinstance(e, ev.ContactLogged)]
    assert [(e.outcome, e.valid_visit, e.invalid_address, e.point_id, e.visit_target) for e in logged] == [
        ("moved", False, False, "borrower-home", 25), ("no_answer", False, True, "borrower-home", 25),
        ("met_borrower", True, False, "borrower-work", 25)]
    assert case.state.invalid_address_visits == 1
    assert points(case)["borrower-work"] == "valid"
    assert case.state.special_status == "none"  # found again


def test_visit_outcomes_come_from_a_visit_and_a_point_from_its_own_channels():
    case = opened()
    with pytest.raises(InvalidCommand) as err:
        contact(case, "phone", "met_borrower")
    assert err.value.code == "outcome_not_for_channel"
    with pytest.raises(InvalidCommand) as err:
        contact(case, "phone", "no_answer", target="borrower-home")
    assert err.value.code == "channel_not_for_point"
    with pytest.raises(InvalidCommand) as err:
        contact(case, "phone", "no_answer", target="cp-unknown")
    assert err.value.code == "unknown_contact_point"
    assert case.pending.events == []


# ---- third parties, the guarantor, reasons -----------------------------------------------------

@pytest.mark.parametrize("target", ["family", "work", "other", "employer", "contact-family", "employer-phone"])
@pytest.mark.parametrize("outcome", ["promise", "right_party_contact", "dispute"])
def test_a_third_party_is_for_locating_the_borrower_only(target, outcome):
    case = opened()
    with pytest.raises(CaseRuleViolation) as err:
        contact(case, "phone", outcome, target=target)
    assert err.value.rule == "third_party_disclosure"
    assert case.pending.events == [] and case.state.dispute is None


def test_a_third_party_may_help_locate_and_the_guarantor_may_be_asked_to_pay():
    case = opened()
    contact(case, "phone", "third_party", target="contact-family", reason="job_loss")
    contact(case, "phone", "promise", target="guarantor", contact_id="c2")
    contact(case, "phone", "right_party_contact", target="guarantor-phone", contact_id="c3")
    logged = [e for e in case.pending.events if isinstance(e, ev.ContactLogged)]
    assert [(e.target_kind, e.point_id) for e in logged] == [("family", "contact-family"), ("guarantor", None),
                                                             ("guarantor", "guarantor-phone")]
    assert case.state.latest_reason == "job_loss"  # later contacts said no reason: the latest that did holds
    assert points(case)["guarantor-phone"] == "valid"


def test_a_v1_contact_logged_is_upcast_with_its_target_kind():
    v1 = {"case_id": "c", "loan_id": "l", "contact_id": "x", "channel": "phone", "outcome": "third_party",
          "collector": "li", "contacted_at": "2026-04-22T02:00:00Z", "target": "employer"}
    data = ev.ContactLogged.model_validate(upcast("collections.contact.logged", 1, v1))
    assert (data.target_kind, data.reason, data.valid_visit, data.invalid_address) == ("work", None, None, False)
    no_target = ev.ContactLogged.model_validate(upcast("collections.contact.logged", 1, {**v1, "target": None}))
    assert no_target.target_kind == "borrower"


# ---- complaints --------------------------------------------------------------------------------

def test_a_complaint_names_the_collector_is_due_and_pauses_nothing():
    case = opened()
    c = case.complaint_desk.open(complaint_id="k1", category="collector_conduct", description="shouted at my mother",
                                 owner=None, by="li", business_date=DAY, due_days=15)
    assert (c.collector, c.assignee, c.owner, c.due_on, c.status) == ("li", "li", "supervisor:front",
                                                                       date(2026, 5, 7), "open")
    fees = case.complaint_desk.open(complaint_id="k2", category="fees", description="the late fee is too high",
                                    owner="wu", by="li", business_date=DAY, due_days=15)
    assert (fees.collector, fees.assignee, fees.owner) == (None, "li", "wu")
    assert case.state.dispute is None
    contact(case, "phone", "promise")  # collection goes on
    case.actions.make_promise(promise_id="p1", amount=Decimal("1066.19"), promised_date=date(2026, 4, 30),
                              collector="li", business_date=DAY)
    case.complaint_desk.resolve(complaint_id="k1", resolution="call reviewed; apologised", by="wu",
                                business_date=date(2026, 5, 8))
    [resolved] = [e for e in case.pending.events if isinstance(e, ev.ComplaintResolved)]
    assert (resolved.overdue, resolved.collector, case.state.complaints[0].status) == (True, "li", "resolved")
    with pytest.raises(CaseRuleViolation) as err:
        case.complaint_desk.resolve(complaint_id="k1", resolution="again", by="wu", business_date=DAY)
    assert err.value.rule == "complaint_resolved"


def test_only_a_dispute_pauses_contact():
    case = opened()
    case.actions.open_dispute(dispute_id="d1", reason="amount is wrong", by="li")
    with pytest.raises(CaseRuleViolation) as err:
        contact(case, "phone", "no_answer")
    assert err.value.rule == "dispute_pause"


# ---- the notes' tactics ------------------------------------------------------------------------

def notes() -> list[str]:
    """Lines 156–242 of the notes (the seed itself when present, else the committed excerpt); the only
    change: a stray backtick of the source dropped (in "你的`建议")."""
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else None
    lines = text.split("\n")[155:242] if text is not None else EXCERPT.read_text(encoding="utf-8").split("\n")[:87]
    return [line.replace("`", "") for line in lines]


@pytest.mark.skipif(not SEED.exists(), reason="the seed notes are not on this machine")
def test_the_committed_excerpt_is_the_notes():
    assert EXCERPT.read_text(encoding="utf-8").split("\n")[:87] == SEED.read_text(encoding="utf-8").split("\n")[155:242]


@pytest.mark.parametrize("behaviour", sorted(TACTICS))
def test_each_tactic_is_the_notes_own_words(behaviour):
    """DOMAIN.md §3: take the tactics from the notes (seed lines 156–221), zh as written."""
    t = tactic(behaviour)
    lines = notes()
    assert t["zh"] in "\n".join(lines[:66]) and t["label_zh"] in "\n".join(lines[:66])
    at = lines.index(t["steps_zh"][0])
    assert lines[at - 1].startswith("3、应对技巧")  # the notes' "how to respond" of that type
    assert len(t["steps_en"]) == len(t["steps_zh"])


def test_the_full_amount_rule_is_the_notes_and_no_tactic_asks_for_a_part_payment():
    assert FULL_AMOUNT_RULE["zh"] == notes()[86]  # seed line 242
    texts = {b: tactic(b) for b in TACTICS}
    assert len({t["zh"] for t in texts.values()}) == 7  # hostile, evasive, stubborn, serial promiser... all differ
    for t in texts.values():
        assert "部分还款" not in t["zh"] and "part payment" not in t["en"].lower()
    assert "用行动证明" in texts["serial_promiser"]["zh"] and "不兑现诺言的严重后果" in texts["serial_promiser"]["zh"]


def test_a_summary_shows_the_borrower_by_masked_name_and_phone_only():
    assert cp.borrower_masked({"name": "张三丰", "phone": "13812345678", "id_number_masked": "x"}) == {
        "borrower_name_masked": "张**", "borrower_phone_masked": "138****5678"}
    assert cp.borrower_masked({"name": "王五", "phone": ""}) == {"borrower_name_masked": "王*",
                                                              "borrower_phone_masked": None}
    assert cp.borrower_masked(None) == {"borrower_name_masked": None, "borrower_phone_masked": None}, \
        "a loan the directory does not know yet"
    assert cp.mask_name("李") == "李*" and cp.mask_name("  ") is None


def test_a_call_hears_switched_off_busy_or_not_in_service_and_only_a_call_does():
    case = opened()
    contact(case, "phone", "switched_off", contact_id="c1")
    contact(case, "phone", "busy", contact_id="c2")
    assert points(case)["borrower-phone"] == "unknown" and case.state.special_status == "none"
    contact(case, "phone", "not_in_service", contact_id="c3")  # 空号: the number itself is gone
    assert points(case)["borrower-phone"] == "invalid"
    assert case.state.special_status == "unreachable", "the borrower's own number is gone: trace them"
    logged = [e.outcome for e in case.pending.events if isinstance(e, ev.ContactLogged)]
    assert logged == ["switched_off", "busy", "not_in_service"]
    for channel in ("sms", "visit", "letter"):
        with pytest.raises(InvalidCommand) as err:
            contact(case, channel, "switched_off", contact_id=f"x-{channel}")
        assert err.value.code == "outcome_not_for_channel"


def test_a_call_sets_when_to_follow_up_and_the_next_call_on_that_channel_does_it():
    from datetime import timedelta

    case = opened()
    with pytest.raises(InvalidCommand) as err:
        contact(case, "phone", "no_answer", follow_up_on=DAY - timedelta(days=1))
    assert err.value.code == "follow_up_in_past"
    assert not [e for e in case.pending.events if isinstance(e, ev.ContactLogged)], "nothing recorded"
    contact(case, "phone", "switched_off", contact_id="c1", follow_up_on=DAY + timedelta(days=2))
    assert {"channel": "phone", "due": (DAY + timedelta(days=2)).isoformat(), "rule_id": "follow_up"} \
        in case.state.scheduled
    logged = [e for e in case.pending.events if isinstance(e, ev.ContactLogged)]
    assert [e.follow_up_on for e in logged] == [DAY + timedelta(days=2)]
    contact(case, "phone", "right_party_contact", contact_id="c2")
    assert [a for a in case.state.scheduled if a["rule_id"] == "follow_up"] == [], "the follow-up call was made"
