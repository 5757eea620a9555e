"""The board's roster panel in a real browser: a supervisor lends a front-end collector to mid-end with their
cases rebalanced, makes another inactive (a bulk reassignment to them is refused with its rule), then
bulk-reassigns cases in one request."""

from __future__ import annotations

import pytest

from tests.workbench.browser.test_collector_day import sign_in

pytestmark = pytest.mark.e2e


def _member(book, collector: str) -> dict:
    return next(m for m in book.api_read("collections", "/roster")["items"] if m["collector"] == collector)


def test_a_supervisor_moves_collectors_on_the_roster_and_bulk_reassigns(book, open_page):
    page = open_page("zh", javascript=False)
    sign_in(page, "supervisor-r", "collections_supervisor")
    page.goto("/board#roster")
    assert page.locator("#h-roster").inner_text() == "排班"
    assert "collector-f2" in page.locator("#roster table").inner_text()

    held = [c["case_id"] for c in book.cases.values() if c["assignee"] == "collector-f2"]
    assert held, "the book gives collector-f2 some cases"
    page.fill("#roster input[name=collector]", "collector-f2")
    page.select_option("#roster select[name=queue]", "mid")
    page.select_option("#roster select[name=cases]", "rebalance")
    page.fill("#roster input[name=reason]", "七八月支援中期")
    page.click("#roster button[type=submit]")
    assert "排班已更新：collector-f2" in page.locator("#roster .notice").inner_text()
    assert (_member(book, "collector-f2")["queue"], _member(book, "collector-f2")["open_cases_total"]) == ("mid", 0)
    assert all(book.api_case(case_id)["assignee"] == "collector-f1" for case_id in held), "rebalanced"

    page.fill("#roster input[name=collector]", "collector-m2")
    page.select_option("#roster select[name=queue]", "mid")
    page.uncheck("#roster input[name=active]")
    page.click("#roster button[type=submit]")
    assert _member(book, "collector-m2")["active"] is False
    assert "已停用" in page.locator("#roster table").inner_text()

    first, second = (c["case_id"] for c in list(book.cases.values())[:2])
    page.goto("/board#reassign")
    page.check(f'input[name=case_ids][value="{first}"]')
    page.fill("#reassign input[name=collector]", "collector-m2")
    page.click("#reassign form[method=post] button[type=submit]")
    refusal = page.locator("#refusal").inner_text()
    assert "该催收员在排班表中已停用" in refusal and "collector_inactive" in refusal
    assert book.api_case(first)["assignee"] != "collector-m2"

    page.goto("/board#reassign")
    page.check(f'input[name=case_ids][value="{first}"]')
    page.check(f'input[name=case_ids][value="{second}"]')
    page.fill("#reassign input[name=collector]", "collector-m1")
    page.click("#reassign form[method=post] button[type=submit]")
    assert "已重新分配 2 个案件" in page.locator(".notice").inner_text()
    assert {book.api_case(first)["assignee"], book.api_case(second)["assignee"]} == {"collector-m1"}
