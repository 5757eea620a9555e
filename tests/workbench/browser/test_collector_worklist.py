"""A collector works the queue like a list: today's to-do as filters with counts, columns sorted, the filter
kept between visits, and one press per call that saves the result and opens the next case of that list."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.auth import TokenIssuer

pytestmark = pytest.mark.e2e
ME = "collector-w1"


def sign_in(page: Any, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def api_post(book: Any, path: str, body: dict[str, Any], who: tuple[str, str] = ("ops", "admin")) -> Any:
    token = TokenIssuer(book.system.platform.signing_key()).issue(who[0], [who[1]])
    answer = httpx.post(f"{book.system.urls()['collections']}/v1{path}", json=body, timeout=10,
                        headers={"Authorization": f"Bearer {token}"})
    answer.raise_for_status()
    return answer.json()


@pytest.fixture(scope="module")
def mine(book: Any) -> dict[str, dict[str, Any]]:
    """The four cases of the book given to one collector; wb-b already called once (the others never)."""
    for case in book.cases.values():
        api_post(book, f"/cases/{case['case_id']}/assign", {"collector": ME, "reason": "one list for the test"})
    api_post(book, f"/cases/{book.cases['wb-b']['case_id']}/contacts",
             {"channel": "phone", "outcome": "no_answer", "note": "first try"}, who=(ME, "collector"))
    return book.cases


def contacts_of(book: Any, case_id: str) -> list[dict[str, Any]]:
    return [e["data"] for e in book.api_case(case_id)["timeline"] if e["type"] == "collections.contact.logged"]


def row_ids(page: Any) -> list[str]:
    return [a.get_attribute("title") for a in page.locator("table.grid tbody td.id a").all()]


def test_todays_to_do_sorting_and_the_kept_filter_without_javascript(book, mine, open_page):
    page = open_page("zh", javascript=False)
    sign_in(page, ME, "collector")
    todo = page.locator("nav.todo")
    assert "今日待办" in todo.inner_text()
    never = todo.locator('a[data-todo="never_contacted"]')
    assert never.locator(".n").inner_text() == "3" and "从未联系" in never.inner_text()
    never.click()
    assert "todo=never_contacted" in page.url
    assert page.get_attribute('nav.todo a[data-todo="never_contacted"]', "aria-current") == "true"
    assert sorted(row_ids(page)) == sorted(mine[k]["case_id"] for k in ("wb-a", "wb-c", "wb-d"))

    amount = page.locator("thead th", has_text="逾期本息")
    amount.locator("a.sort").click()  # ascending, then descending
    assert page.get_attribute("thead th[aria-sort]", "aria-sort") == "ascending"
    owed = [Decimal(re.sub(r"[¥,]", "", t)) for t in page.locator("tbody tr td:nth-child(5)").all_inner_texts()]
    assert owed == sorted(owed) and len(owed) == 3
    page.locator("thead th", has_text="逾期本息").locator("a.sort").click()
    assert page.get_attribute("thead th[aria-sort]", "aria-sort") == "descending"
    descending = row_ids(page)
    assert [Decimal(re.sub(r"[¥,]", "", t)) for t in page.locator("tbody tr td:nth-child(5)").all_inner_texts()] \
        == sorted(owed, reverse=True)

    page.goto("/queue")  # a new visit: the list as it was left
    assert row_ids(page) == descending and "按标有 ▲/▼ 的列排序" in page.locator(".count").inner_text()
    page.goto(f"/cases/{descending[0]}")
    assert "我的案件第 1 / 3 个" in page.locator("nav.around").inner_text(), "the case page follows the list"
    assert page.get_attribute("nav.around a[rel=next]", "href") == f"/cases/{descending[1]}"

    page.goto("/queue")
    page.click("form.filters a:text('清除')")
    assert len(row_ids(page)) == 4 and page.locator("thead th[aria-sort]").count() == 0
    page.goto("/queue")
    assert len(row_ids(page)) == 4, "cleared stays cleared"

    other = open_page("zh", javascript=False)  # another collector's own list is not this one's
    sign_in(other, "collector-w2", "collector")
    assert other.locator('nav.todo a[aria-current="true"]').count() == 0


def test_one_press_logs_the_call_and_opens_the_next_case_of_the_list(book, mine, open_page):
    page = open_page("en", javascript=False)
    sign_in(page, ME, "collector", lang="en")
    page.goto("/queue?todo=never_contacted&sort=-amount")
    worklist = row_ids(page)
    assert len(worklist) >= 2
    first, second = worklist[0], worklist[1]
    page.goto(f"/cases/{first}")
    quick = page.locator("#quick-call")
    assert [b.inner_text().split(" ", 1)[1] for b in quick.locator("button").all()][:3] == [
        "Reached the borrower", "No answer", "Switched off"]
    assert page.is_checked("#quick-call input[name=then]")
    page.select_option("#quick-call select[name=target]", "borrower")
    page.fill("#quick-call input[name=note]", "rang out")
    quick.locator("button[value=switched_off]").click()

    assert page.url.split("?")[0].endswith(f"/cases/{second}"), "saved, and the next case of the list is open"
    notice = page.locator(".notice").inner_text()
    assert "The contact is logged." in notice and "This is the next case." in notice
    assert page.get_attribute(".notice a", "href") == f"/cases/{first}"
    logged = contacts_of(book, first)
    assert [(c["channel"], c["outcome"], c["note"]) for c in logged] == [("phone", "switched_off", "rang out")]
    assert contacts_of(book, second) == []

    page.locator("#quick-call button[value=right_party_contact]").click()  # reached: stay for the promise
    assert page.url.split("?")[0].endswith(f"/cases/{second}") and "done=contacts" in page.url
    assert [c["outcome"] for c in contacts_of(book, second)] == ["right_party_contact"]
    page.fill("#promises input[name=promised_date]", (book.business_date + timedelta(days=2)).isoformat())
    page.click("#promises button[name=then][value=next]")
    assert "The promise is recorded." in page.locator(".notice").inner_text()
    assert not page.url.split("?")[0].endswith(f"/cases/{second}"), "the promise saved, the next case opened"
    assert [p["status"] for p in book.api_case(second)["promises"]] == ["open"]


def test_the_call_result_buttons_speak_chinese_and_are_labelled(book, mine, open_page):
    page = open_page("zh")
    sign_in(page, ME, "collector")
    page.goto(f"/cases/{mine['wb-d']['case_id']}")
    assert page.locator("#h-quick-call").inner_text() == "通话结果"
    assert page.get_attribute("#quick-call .quick", "aria-label") == "通话结果"
    words = page.locator("#quick-call .quick").inner_text()
    assert all(w in words for w in ("联系到本人", "无人接听", "关机", "占线", "空号"))
    whom = page.locator("#quick-call select[name=target]").evaluate("e => e.closest('label').innerText")
    assert whom.startswith("联系对象")


def test_the_keyboard_alone_works_the_list(book, mine, open_page):
    page = open_page("en")  # JavaScript on: single-key shortcuts
    sign_in(page, ME, "collector", lang="en")
    page.goto("/queue?clear=1")
    assert page.locator(".keys-hint").is_visible() and "J / K" in page.locator(".keys-hint").inner_text()
    listed = row_ids(page)
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.title") == listed[1]
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.title") == listed[0]
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "stage", "/ goes to the filters"
    page.keyboard.press("j")  # typed into a field: not taken
    assert page.evaluate("document.activeElement.name") == "stage"
    page.locator("table.grid tbody td.id a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/cases/{listed[0]}")

    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url.endswith(f"/cases/{listed[1]}")
    before = len(contacts_of(book, listed[1]))
    page.fill("#quick-call input[name=note]", "4 typed here is a note, not a key")
    assert page.input_value("#quick-call input[name=note]").startswith("4 typed"), "keys in a field are text"
    page.locator("#quick-call input[name=note]").blur()
    with page.expect_navigation():
        page.keyboard.press("4")  # busy: logged, and the next case opens
    assert page.url.split("?")[0].endswith(f"/cases/{listed[2]}")
    logged = contacts_of(book, listed[1])
    assert len(logged) == before + 1 and (logged[-1]["outcome"], logged[-1]["note"]) == (
        "busy", "4 typed here is a note, not a key")
    with page.expect_navigation():
        page.keyboard.press("q")
    assert page.url.endswith("/queue")


def test_the_list_downloads_as_csv_in_its_order_masked(book, mine, open_page):
    page = open_page("zh")
    sign_in(page, ME, "collector")
    page.goto("/queue?sort=-amount")
    listed = row_ids(page)
    with page.expect_download() as got:
        page.click("p.export a")
    download = got.value
    assert re.fullmatch(rf"queue-{ME}-\d{{4}}-\d\d-\d\d\.csv", download.suggested_filename)
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == ["案件", "借款人", "电话", "阶段", "逾期天数", "逾期本息"]
    assert [r[0] for r in rows[1:]] == listed, "the file is the list as the page shows it"
    owed = [Decimal(r[5]) for r in rows[1:]]
    assert owed == sorted(owed, reverse=True)
    borrowers = {c["case_id"]: c for c in book.api_read("collections", "/queue?collector=" + ME)["items"]}
    for row in rows[1:]:
        assert row[1] == (borrowers[row[0]].get("borrower_name_masked") or "")
        assert not re.search(r"1\d{10}", row[2]), "no whole phone number in the file"
    assert {r[3] for r in rows[1:]} == {"前期"}

    theirs = open_page("zh")  # another collector's file holds only their own cases
    sign_in(theirs, "collector-w2", "collector")
    answer = theirs.request.get("/queue.csv")
    assert answer.status == 200 and len(list(csv.reader(io.StringIO(answer.text().lstrip("\ufeff"))))) == 1


def test_the_supervisor_sees_each_collectors_day_and_opens_what_is_left(book, mine, open_page):
    never = sum(1 for c in mine.values() if not contacts_of(book, c["case_id"]))
    page = open_page("zh")
    sign_in(page, "supervisor-1", "collections_supervisor", "reporting")
    heads = page.locator("section:has(#h-collectors) table thead th").all_inner_texts()
    assert ["今日已联系", "从未联系", "承诺到期"] == [h for h in heads if h in ("今日已联系", "从未联系", "承诺到期")]
    row = page.locator(f"tr:has(a[href='/queue?collector={ME}'])")
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "4" and int(cells[2]) >= 1, "their cases, and those contacted today (the call at setup)"
    assert cells[3] == str(never)
    if never:
        row.locator(f"a[href='/queue?collector={ME}&todo=never_contacted']").click()
        assert len(row_ids(page)) == never and "todo=never_contacted" in page.url


def test_a_call_sets_the_next_follow_up_which_the_queue_shows_and_counts(book, mine, open_page):
    case_id = mine["wb-a"]["case_id"]
    follow = book.business_date + timedelta(days=3)
    page = open_page("en", javascript=False)
    sign_in(page, ME, "collector", lang="en")
    page.goto(f"/cases/{case_id}")
    if page.locator("#quick-call input[name=then]").count():  # stay on the case (no next case: nothing to untick)
        page.uncheck("#quick-call input[name=then]")
    # a day already past: the browser holds the form back (min), collections refuses it (422 follow_up_in_past)
    assert page.get_attribute("#quick-call input[name=follow_up_on]", "min") == book.business_date.isoformat()
    page.fill("#quick-call input[name=follow_up_on]", follow.isoformat())
    page.locator("#quick-call button[value=no_answer]").click()
    assert "The contact is logged." in page.locator(".notice").inner_text()
    scheduled = book.api_case(case_id)["scheduled"]
    assert {"channel": "phone", "due": follow.isoformat(), "rule_id": "follow_up"} in [
        {k: a.get(k) for k in ("channel", "due", "rule_id")} for a in scheduled]
    page.goto("/queue?clear=1")
    first = min(scheduled, key=lambda a: a["due"])  # the queue shows the earliest next action
    shown = page.locator(f"tr:has(a[title='{case_id}'])").locator("td").nth(7).inner_text()
    words = {"phone": "Phone", "sms": "SMS", "letter": "Letter", "visit": "Field visit"}
    assert shown.startswith(words[first["channel"]])
