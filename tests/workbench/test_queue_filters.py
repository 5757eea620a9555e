"""The queue page's filters, paging and today's figures (pure: no services, no I/O)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.workbench.domain.queue import (
    QueueFilter,
    days_since_contact,
    neighbours,
    page_of,
    todays_figures,
    todo_counts,
    worklist,
)

TODAY = date(2026, 12, 7)
BUSINESS_DATE = date(2026, 5, 10)


def case(n: int, *, stage: str = "front", dpd: int = 5, amount: str = "100.00", last: str | None = None,
         promise: str | None = None) -> dict:
    return {"case_id": f"loan{n}-E1", "stage": stage, "days_past_due": dpd, "amount_overdue": amount,
            "last_contact_at": last,
            "open_promise": {"amount": "50.00", "promised_date": promise} if promise else None}


QUEUE = [
    case(1, stage="back", dpd=120, amount="9000.00", promise="2026-05-09"),  # promise due
    case(2, stage="mid", dpd=45, amount="3000.00", last="2026-12-07T09:15:00+08:00"),  # contacted today
    case(3, stage="front", dpd=12, amount="800.50", last="2026-11-20T10:00:00+08:00"),
    {**case(4, stage="front", dpd=3, amount="120.25"), "opened_on": "2026-05-10"},  # new today, never contacted
]


def test_a_filter_form_with_nonsense_values_drops_them_rather_than_failing():
    wanted = QueueFilter.from_query({"stage": "sideways", "dpd_min": "-3", "dpd_max": "abc", "has_promise": "maybe",
                                     "page": "0", "per_page": "7"})
    assert wanted == QueueFilter()


def test_stage_and_dpd_range_keep_the_api_order():
    shown = page_of(QUEUE, QueueFilter.from_query({"dpd_min": "10", "dpd_max": "100"}), TODAY)
    assert [c["case_id"] for c in shown.rows] == ["loan2-E1", "loan3-E1"]
    assert page_of(QUEUE, QueueFilter(stage="front"), TODAY).total == 2


def test_has_promise_and_days_without_contact():
    assert [c["case_id"] for c in page_of(QUEUE, QueueFilter(has_promise=True), TODAY).rows] == ["loan1-E1"]
    assert page_of(QUEUE, QueueFilter(has_promise=False), TODAY).total == 3
    # 7+ days without contact: never contacted counts, the case called today does not
    stale = page_of(QUEUE, QueueFilter(contact_days_min=7), TODAY)
    assert [c["case_id"] for c in stale.rows] == ["loan1-E1", "loan3-E1", "loan4-E1"]
    assert days_since_contact(QUEUE[2], TODAY) == 17


def test_paging_cuts_and_a_page_beyond_the_end_shows_the_last():
    many = [case(n) for n in range(120)]
    second = page_of(many, QueueFilter(per_page=50, page=2), TODAY)
    assert (second.page, second.pages, second.total, len(second.rows)) == (2, 3, 120, 50)
    assert second.rows[0]["case_id"] == "loan50-E1"
    beyond = page_of(many, QueueFilter(per_page=50, page=99), TODAY)
    assert (beyond.page, len(beyond.rows)) == (3, 20)
    assert QueueFilter(stage="mid", page=2).query(page=3) == {"stage": "mid", "page": "3", "per_page": "50"}


def test_todays_figures_from_the_queue():
    figures = todays_figures(QUEUE, TODAY, BUSINESS_DATE)
    assert figures == {"open_cases": 4, "amount_overdue": Decimal("12920.75"), "promises_due": 1,
                       "open_promises": 1, "never_contacted": 2, "contacted_today": 1, "new_cases": 1,
                       "promises_taken": 0}


def test_a_case_knows_its_neighbours_in_the_queue():
    around = neighbours(QUEUE, "loan2-E1")
    assert around is not None and (around.position, around.total, around.previous, around.next) == (
        2, 4, "loan1-E1", "loan3-E1")
    first = neighbours(QUEUE, "loan1-E1")
    assert first is not None and first.previous is None
    assert neighbours(QUEUE, "someone-elses-E1") is None


def test_todays_to_do_lists_count_and_filter():
    queue = [*QUEUE, {**case(5, dpd=4), "next_action": {"channel": "sms", "due": "2026-05-10"}},
             {**case(6, dpd=4, last="2026-12-01T10:00:00+08:00"),
              "next_action": {"channel": "phone", "due": "2026-05-11"}}]
    assert todo_counts(queue, TODAY, BUSINESS_DATE) == {"promises_due": 1, "follow_ups_due": 1, "never_contacted": 3,
                                                        "new": 1}
    ids = lambda todo: [c["case_id"] for c in page_of(queue, QueueFilter(todo=todo), TODAY, BUSINESS_DATE).rows]  # noqa: E731
    assert ids("follow_ups_due") == ["loan5-E1"], "a follow-up due tomorrow is not due today"
    assert ids("never_contacted") == ["loan1-E1", "loan4-E1", "loan5-E1"]
    assert ids("new") == ["loan4-E1"] and ids("promises_due") == ["loan1-E1"]
    assert QueueFilter.from_query({"todo": "everything"}).todo is None


def test_a_sorted_column_orders_the_whole_queue_then_pages_it_ties_keep_the_urgency_order():
    by_amount = page_of(QUEUE, QueueFilter(sort="-amount", per_page=25), TODAY)
    assert [c["amount_overdue"] for c in by_amount.rows] == ["9000.00", "3000.00", "800.50", "120.25"]
    assert [c["case_id"] for c in page_of(QUEUE, QueueFilter(sort="dpd"), TODAY).rows] == [
        "loan4-E1", "loan3-E1", "loan2-E1", "loan1-E1"]
    # longest without contact first; never contacted counts as longest (API order among them)
    assert [c["case_id"] for c in page_of(QUEUE, QueueFilter(sort="last_contact"), TODAY).rows] == [
        "loan1-E1", "loan4-E1", "loan3-E1", "loan2-E1"]
    # a case without a promise goes last either way
    assert page_of(QUEUE, QueueFilter(sort="-promise"), TODAY).rows[0]["case_id"] == "loan1-E1"
    ties = [case(n, dpd=7) for n in range(5)]
    assert [c["case_id"] for c in worklist(ties, QueueFilter(sort="-dpd"), TODAY)] == [c["case_id"] for c in ties]
    assert QueueFilter.from_query({"sort": "-borrower_name"}).sort is None


def test_a_column_header_cycles_ascending_descending_then_the_urgency_order():
    assert QueueFilter().sort_link("dpd") == "dpd" and QueueFilter().sorted_by("dpd") is None
    up = QueueFilter(sort="dpd")
    assert up.sort_link("dpd") == "-dpd" and up.sorted_by("dpd") == "ascending"
    assert QueueFilter(sort="-dpd").sort_link("dpd") == "" and QueueFilter(sort="-dpd").sorted_by("dpd") == "descending"
    assert QueueFilter(sort="-dpd").sort_link("amount") == "amount"
    assert QueueFilter(todo="new", sort="-amount").query(page=2) == {"todo": "new", "sort": "-amount", "page": "2",
                                                                     "per_page": "50"}


def test_the_next_case_follows_the_filtered_sorted_worklist():
    listed = worklist(QUEUE, QueueFilter(stage="front", sort="-amount"), TODAY)
    around = neighbours(listed, "loan3-E1")
    assert around is not None and (around.position, around.total, around.previous, around.next) == (
        1, 2, None, "loan4-E1")
