"""What the case page and the board derive from the APIs' answers (pure: no services)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.workbench.domain import board
from services.workbench.domain import case as view

TODAY = date(2026, 12, 7)


def test_the_borrower_is_masked_name_phone_and_id():
    shown = view.masked_borrower({"name": "罗洋敏", "phone": "13814916179", "id_number_masked": "110105********2356",
                                  "region": "石桥村"})
    assert shown == {"name": "罗**", "phone": "138****6179", "id_number": "110105********2356", "region": "石桥村"}
    assert view.masked_borrower({"name": "王五", "id_number": "11010519491231002X"})["id_number"] == \
        "110105********002X"
    assert view.masked_contacts([{"relation": "work", "name": "同事135", "phone": "13600000135"}]) == [
        {"relation": "work", "name": "同****", "phone": "136****0135"}]


def test_the_contact_log_is_the_cases_contact_events_newest_first():
    events = [
        {"type": "collections.case.opened", "time": "2026-12-07T01:00:00+00:00", "data": {}},
        {"type": "collections.contact.logged", "time": "2026-12-07T02:00:00+00:00",
         "data": {"channel": "phone", "outcome": "no_answer", "collector": "collector-f1",
                  "contacted_at": "2026-12-07T02:00:00+00:00"}},
        {"type": "collections.contact.logged", "time": "2026-12-07T03:00:00+00:00",
         "data": {"channel": "visit", "outcome": "promise", "collector": "collector-f1", "target": "family",
                  "note": "met the wife", "contacted_at": "2026-12-07T03:00:00+00:00"}},
    ]
    log = view.contact_log(events)
    assert [(c["channel"], c["target"], c["note"]) for c in log] == [("visit", "family", "met the wife"),
                                                                       ("phone", "borrower", "")]


def test_the_statute_clock_counts_days_left_on_the_business_date():
    clock = view.statute_clock({"runs_from": "2026-07-20", "expires_on": "2029-07-20", "warned": False,
                                "expired": False}, date(2029, 5, 1))
    assert clock is not None and clock["days_left"] == 80 and clock["expires_on"] == date(2029, 7, 20)
    assert view.statute_clock(None, TODAY) is None


def test_aging_rules_the_odds():
    assert view.recovery_odds(729) == 80 and view.recovery_odds(730) == 20


def test_timeline_rows_newest_first_with_who_and_a_short_summary():
    rows = view.timeline_rows([
        {"type": "loan.disbursed", "source": "origination", "businessdate": "2026-03-01", "time": "t1",
         "actor": "cm-li", "data": {"amount": "30000.00", "applicant": {"name": "罗**"}}},
        {"type": "collections.promise.made", "businessdate": "2026-04-25", "time": "t2",
         "data": {"amount": "500.00", "promised_date": "2026-05-01", "collector": "collector-f1"}},
    ])
    assert [r["type"] for r in rows] == ["collections.promise.made", "loan.disbursed"]
    assert rows[0]["source"] == "collections" and rows[0]["actor"] == "collector-f1"
    assert rows[0]["summary"][:2] == [("amount", "500.00"), ("promised_date", "2026-05-01")]
    assert ("applicant", "{'name': '罗**'}") not in rows[1]["summary"]


OPEN = [
    {"case_id": "a-E1", "assignee": "collector-f1", "stage": "front", "queue": "front", "amount_overdue": "100.00",
     "last_contact_at": "2026-12-06T09:00:00+08:00", "opened_on": "2026-04-21"},
    {"case_id": "b-E1", "assignee": "collector-f1", "stage": "mid", "queue": "mid", "amount_overdue": "900.50",
     "last_contact_at": None, "disputed": True, "opened_on": "2026-04-01"},
    {"case_id": "c-E1", "assignee": "fraud-1", "stage": "back", "queue": "fraud", "amount_overdue": "50.00",
     "special_status": "fraud", "last_contact_at": "2026-10-01T09:00:00+08:00", "opened_on": "2026-05-01"},
    {"case_id": "d-E1", "assignee": "special-1", "stage": "back", "queue": "deceased", "amount_overdue": "70.00",
     "special_status": "deceased_reported", "last_contact_at": None, "opened_on": "2026-03-21"},
]


def test_caseloads_per_collector_with_this_months_figures():
    figures = {"collectors": {"collector-f1": {"calls": 12, "promises": {"made": 4, "kept": 3, "broken": 1}},
                              "collector-m2": {"calls": 2, "recovered": "10.00"}}}
    rows = {r.collector: r for r in board.caseloads(OPEN, figures, TODAY)}
    f1 = rows["collector-f1"]
    assert (f1.open_cases, f1.by_stage, f1.amount_overdue, f1.untouched) == (
        2, {"front": 1, "mid": 1, "back": 0}, Decimal("1000.50"), 1)
    assert f1.promise_kept_rate == Decimal("0.75")
    assert rows["collector-m2"].open_cases == 0 and rows["collector-m2"].figures["calls"] == 2
    assert rows["fraud-1"].untouched == 1 and rows["fraud-1"].promise_kept_rate is None
    assert rows["special-1"].untouched == 1, "never contacted since it opened 261 days ago"
    assert next(iter(rows)) == "collector-f1", "the largest caseload first"


def test_untouched_counts_from_the_last_contact_or_else_the_opening_to_the_business_date():
    fresh = {"opened_on": "2026-03-21", "last_contact_at": None}
    assert not board.is_untouched(fresh, date(2026, 3, 22)), "a case opened yesterday was never 30 days untouched"
    assert not board.is_untouched(fresh, date(2026, 4, 19)) and board.is_untouched(fresh, date(2026, 4, 20))
    called = {"opened_on": "2026-01-01", "last_contact_at": "2026-03-10T09:00:00+08:00"}
    assert board.days_untouched(called, date(2026, 4, 9)) == 30 and board.is_untouched(called, date(2026, 4, 9))
    assert not board.is_untouched(called, date(2026, 4, 8))
    rows = {r.collector: r for r in board.caseloads(
        [{"assignee": "collector-f1", "stage": "front", "opened_on": "2026-03-21", "last_contact_at": None}] * 16,
        None, date(2026, 3, 22))}
    assert rows["collector-f1"].untouched == 0


def test_complaints_open_per_collector_from_the_case_summaries():
    cases = [{"assignee": "collector-f1", "stage": "front", "opened_on": "2026-03-21", "open_complaints": 2},
             {"assignee": "collector-f1", "stage": "front", "opened_on": "2026-03-21", "open_complaints": 0},
             {"assignee": "collector-f2", "stage": "mid", "opened_on": "2026-03-21"}]
    rows = {r.collector: r for r in board.caseloads(cases, None, date(2026, 3, 22))}
    assert (rows["collector-f1"].complaints, rows["collector-f2"].complaints) == (2, 0)


def test_decisions_waiting_and_the_special_queues():
    waiting = board.waiting_for_decision(OPEN)
    assert [(w["what"], w["case"]["case_id"]) for w in waiting] == [("death_report", "d-E1"), ("dispute", "b-E1")]
    queues = board.special_queues(OPEN)
    assert [c["case_id"] for c in queues["fraud"]] == ["c-E1"] and queues["legal"] == []
    assert [c["case_id"] for c in board.pick(OPEN, collector="collector-f1", queue=None, stage=None)] == [
        "b-E1", "a-E1"]


def test_the_amount_to_ask_is_servicings_overdue_total_with_penalty_or_the_pay_off_when_accelerated():
    case = {"amount_overdue": "5853.83", "guidance": {"ask_first": "5853.83"}}
    overdue = {"total": "5856.67", "principal": "5683.33", "interest": "170.50", "penalty_interest": "2.84",
               "charges": "0.00"}
    ask = view.amount_to_ask(case, {"status": "overdue", "overdue": overdue, "payoff_amount": "17337.02"})
    assert (ask["amount"], ask["basis"], ask["parts"]["penalty_interest"]) == ("5856.67", "overdue", "2.84")
    accelerated = view.amount_to_ask(case, {"status": "accelerated", "overdue": overdue, "payoff_amount": "17337.02"})
    assert (accelerated["amount"], accelerated["basis"]) == ("17337.02", "payoff")
    from services.workbench.adapters.api import ApiRefusal
    unread = view.amount_to_ask(case, ApiRefusal(403, "forbidden", "role"))
    assert (unread["amount"], unread["basis"]) == ("5853.83", "installments")


def test_todays_work_per_collector_contacted_today_never_contacted_promises_due():
    business_date, today = date(2026, 5, 10), date(2026, 12, 7)
    cases = [{"assignee": "collector-f1", "stage": "front", "last_contact_at": "2026-12-07T09:30:00+08:00",
              "open_promise": {"amount": "50.00", "promised_date": "2026-05-10"}},
             {"assignee": "collector-f1", "stage": "front", "last_contact_at": "2026-12-06T18:00:00+08:00",
              "open_promise": {"amount": "50.00", "promised_date": "2026-05-11"}},
             {"assignee": "collector-f1", "stage": "mid", "last_contact_at": None},
             {"assignee": "collector-f2", "stage": "front", "last_contact_at": None, "promise_due": True}]
    rows = {r.collector: r for r in board.caseloads(cases, None, business_date, today)}
    f1, f2 = rows["collector-f1"], rows["collector-f2"]
    assert (f1.contacted_today, f1.never_contacted, f1.promises_due) == (1, 1, 1)
    assert (f2.contacted_today, f2.never_contacted, f2.promises_due) == (0, 1, 1), "the API's own due flag counts"
    assert board.caseloads(cases, None, business_date)[0].contacted_today == 0, "no calendar day given: none"


def test_a_name_whose_key_is_gone_or_unreachable_is_not_masked_as_if_it_were_a_name():
    assert view.mask_name("罗洋敏") == "罗**"
    assert view.mask_name("unavailable") == "unavailable", "never u**********, which reads like a real name"
    assert view.mask_name("erased") == "erased"
    assert view.masked_borrower({"name": "unavailable", "phone": "unavailable"})["name"] == "unavailable"
