"""A collector's day in a real browser: sign in, find the case in the queue, log a call and a promise,
meet the contact policy; a supervisor reassigns; the same pages in Chinese and English."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

pytestmark = pytest.mark.e2e


def sign_in(page, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def test_a_collector_finds_the_case_in_the_queue_and_logs_a_call_and_a_promise_without_javascript(book, open_page):
    case = book.cases["wb-a"]
    page = open_page("zh", javascript=False)  # plain forms: the whole flow works with JavaScript off
    sign_in(page, case["assignee"], "collector")
    assert page.url.endswith("/queue")
    assert page.locator("h1").inner_text() == "我的案件"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "逾期本息" in page.locator("table thead").inner_text(), "the queue says its amount is installments only"
    row = page.locator(f'a[title="{case["case_id"]}"]')
    assert row.count() == 1, "the case is in its collector's queue"
    row.click()
    assert page.url.endswith(f"/cases/{case['case_id']}")
    guidance = page.locator("#h-guidance + .guidance").inner_text()
    overdue = book.api_read("servicing", f"/loans/{case['loan_id']}")["overdue"]
    full = f"¥{Decimal(overdue['total']):,.2f}"
    assert f"要求全额还款：{full}" in guidance and f"罚息 ¥{Decimal(overdue['penalty_interest']):,.2f}" in guidance
    assert f"逾期合计 {full}" in page.locator(".page-head").inner_text(), "the header: the guidance's figure, named"
    assert re.search(r"我的案件第 \d+ / \d+ 个", page.locator("nav.around").inner_text()), "its place in the queue"

    page.select_option("#contacts select[name=channel]", "phone")
    page.select_option("#contacts select[name=outcome]", "right_party_contact")
    page.fill("#contacts textarea[name=note]", "借款人承认欠款，承诺三天内全额还款")
    page.click("#contacts button[type=submit]")
    assert "联系记录已保存" in page.locator(".notice").inner_text()
    log = page.locator("#h-contacts + table tbody tr").first.inner_text()
    assert "电话" in log and "联系到本人" in log and "承诺三天内全额还款" in log

    owed = page.input_value("#promises input[name=amount]")
    assert owed == overdue["total"], "the promise form asks for the full amount, penalty included"
    page.fill("#promises input[name=promised_date]", (book.business_date + timedelta(days=3)).isoformat())
    page.click("#promises button[type=submit]")
    assert "还款承诺已记录" in page.locator(".notice").inner_text()
    promise = page.locator("#h-promises + table tbody tr").first.inner_text()
    assert "进行中" in promise and re.search(r"¥[\d,]+\.\d\d", promise)

    recorded = book.api_case(case["case_id"])
    assert [p["status"] for p in recorded["promises"]] == ["open"]
    assert recorded["promises"][0]["amount"] == owed

    page.click("details:has(#tags) > summary")  # <details> opens without JavaScript
    page.select_option("#tags select[name=behaviour]", "evasive")
    page.fill("#tags input[name=reason]", "每次都说下周再说")
    page.click("#tags button[type=submit]")
    tactic = page.locator(".tactic").inner_text()
    assert tactic.startswith("推托型") and len(tactic) > 10, "the tactic for the tag, in Chinese, beside the forms"


def test_the_contact_policy_refusal_is_shown_with_its_rule_and_the_form_keeps_what_was_typed(book, open_page):
    case = book.cases["wb-b"]
    page = open_page("en")
    sign_in(page, case["assignee"], "collector", lang="en")
    page.goto(f"/cases/{case['case_id']}")
    for attempt in range(1, 12):
        page.select_option("#contacts select[name=channel]", "phone")
        page.select_option("#contacts select[name=outcome]", "no_answer")
        page.fill("#contacts textarea[name=note]", f"call {attempt}")
        with page.expect_navigation() as answer:
            page.click("#contacts button[type=submit]")
        if page.locator("#refusal").count():
            break
    refusal = page.locator("#refusal").inner_text()
    assert answer.value.status == 409
    assert "Contact policy: too many calls on this case in the last 7 days" in refusal
    assert "call_frequency" in refusal and "collections 409" in refusal
    assert page.input_value("#contacts textarea[name=note]") == f"call {attempt}"
    assert "failed" in (page.get_attribute("#contacts", "class") or "")
    calls = [c for c in book.api_case(case["case_id"])["timeline"] if c["type"] == "collections.contact.logged"]
    assert len(calls) == attempt - 1, "the refused call was not recorded"


def test_someone_elses_case_is_refused_with_the_rule(book, open_page):
    case = book.cases["wb-c"]
    page = open_page("en")
    sign_in(page, "collector-x9", "collector", lang="en")
    page.goto(f"/cases/{case['case_id']}")
    page.click("details:has(#escalate) > summary")
    page.fill("#escalate input[name=reason]", "not mine")
    page.click("#escalate button[type=submit]")
    refusal = page.locator("#refusal").inner_text()
    assert "Only the assigned collector may act on this case" in refusal and "not_assignee" in refusal


def test_a_supervisor_reassigns_a_case_from_the_board(book, open_page):
    case = book.cases["wb-d"]
    before = case["assignee"]
    after = "collector-f2" if before != "collector-f2" else "collector-f1"
    page = open_page("zh")
    sign_in(page, "supervisor-1", "collections_supervisor", "reporting")
    assert page.url.endswith("/board")
    assert page.locator(f'a[href="/queue?collector={before}"]').count() == 1, "the caseload lists the collector"
    page.select_option("#reassign select[name=collector]", before)
    page.click("#reassign form[method=get] button")
    page.check(f'input[name=case_ids][value="{case["case_id"]}"]')
    page.fill("#reassign input[name=collector]", after)
    page.fill("#reassign input[name=reason]", "均衡工作量")
    page.click("#reassign form[method=post] button[type=submit]")
    assert "已重新分配 1 个案件" in page.locator(".notice").inner_text()
    assert book.api_case(case["case_id"])["assignee"] == after
    assert page.locator(f'input[name=case_ids][value="{case["case_id"]}"]').count() == 0, "gone from the list"

    theirs = open_page("zh")
    sign_in(theirs, after, "collector")
    assert theirs.locator(f'a[title="{case["case_id"]}"]').count() == 1, "now in the new collector's queue"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_same_pages_in_both_languages_every_input_labelled(book, open_page, lang):
    case = book.cases["wb-c"]
    page = open_page(lang)
    sign_in(page, case["assignee"], "collector", lang=lang)
    words = {"zh": ("我的案件", "在催案件", "逾期天数"), "en": ("My queue", "Open cases", "DPD")}[lang]
    text = page.locator("main").inner_text()
    assert all(w in text for w in words)
    page.goto(f"/cases/{case['case_id']}")
    assert page.locator("html").get_attribute("lang") == ("zh-CN" if lang == "zh" else "en")
    money = page.locator(".page-head strong").nth(1).inner_text()
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d\d", money)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
        .filter(el => !el.closest('label') && !(el.id && document.querySelector(`label[for="${el.id}"]`))
                      && !el.getAttribute('aria-label')).map(el => el.name)""")
    assert unlabelled == []
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip", "the first Tab offers to skip to content"
    page.focus("#contacts select[name=channel]")  # then the keyboard alone logs the contact
    for _ in range(3):  # whom, outcome, why late
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "note"
    page.keyboard.type("keyboard only")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".notice")
    assert "keyboard only" in page.locator("#h-contacts + table tbody tr").first.inner_text()


def test_a_form_sent_twice_records_one_contact_and_an_unknown_case_is_a_plain_404(book, open_page):
    case = book.cases["wb-c"]
    page = open_page("en")
    sign_in(page, case["assignee"], "collector", lang="en")
    page.goto(f"/cases/{case['case_id']}")
    before = len([e for e in book.api_case(case["case_id"])["timeline"] if e["type"] == "collections.contact.logged"])
    form = {name: page.input_value(f"#contacts input[name={name}]") for name in ("csrf_token", "idempotency_key")}
    form.update({"channel": "sms", "outcome": "no_answer", "target": "borrower", "note": "double click"})
    answers = [page.request.post(f"/cases/{case['case_id']}/contacts", form=form, max_redirects=0) for _ in range(2)]
    assert [a.status for a in answers] == [303, 303]
    after = [e for e in book.api_case(case["case_id"])["timeline"] if e["type"] == "collections.contact.logged"]
    assert len(after) == before + 1, "the form's Idempotency-Key made the second post a replay"
    forged = page.request.post(f"/cases/{case['case_id']}/contacts", form={**form, "csrf_token": "x"}, max_redirects=0)
    assert forged.status == 403

    missing = page.goto("/cases/no-such-case-E1")
    assert missing is not None and missing.status == 404
    assert "Not found" in page.locator("#refusal").inner_text()


def test_a_dispute_waits_on_the_board_until_the_supervisor_resolves_it(book, open_page):
    case = book.cases["wb-d"]
    page = open_page("en")
    sign_in(page, "supervisor-1", "collections_supervisor", "reporting", lang="en")
    page.goto(f"/cases/{case['case_id']}")
    page.click("details:has(#disputes) > summary")
    page.fill("#disputes input[name=reason]", "borrower says the amount is wrong")
    page.click("#disputes button[type=submit]")
    assert "The dispute is open: collection pauses." in page.locator(".notice").inner_text()

    page.goto("/board")
    waiting = page.locator("#h-waiting + table tbody").inner_text()
    assert "Dispute" in waiting and case["case_id"][:8] in waiting
    page.click(f'#h-waiting + table a[title="{case["case_id"]}"]')
    page.fill("#disputes-resolve input[name=resolution]", "amount checked against the schedule: correct")
    page.click("#disputes-resolve button[type=submit]")
    assert "The dispute is resolved." in page.locator(".notice").inner_text()
    assert book.api_case(case["case_id"])["disputed"] is False
    page.goto("/board")
    assert "Nothing is waiting." in page.locator("#h-waiting + table tbody").inner_text()


def test_a_collector_sends_a_demand_notice_opens_its_pdf_and_records_the_posts_return(book, open_page):
    case = book.cases["wb-a"]
    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    page.goto(f"/cases/{case['case_id']}")
    assert "尚未寄出信函" in page.locator("#letters-card").inner_text()
    page.select_option("#letters select[name=template]", "demand_notice")
    page.click("#letters button[type=submit]")
    assert "信函已寄出" in page.locator(".notice").inner_text()
    letter = book.api_read("collections", f"/cases/{case['case_id']}/letters")["items"][0]
    row = page.locator("#h-letters + table tbody tr").first.inner_text()
    assert "催收通知书" in row and "已寄出" in row and letter["tracking_number"] in row

    link = page.locator("#letters-card a.pdf").first.get_attribute("href")
    assert link == f"/cases/{case['case_id']}/letters/{letter['letter_id']}.pdf", "no token in the link"
    pdf = page.request.get(link)  # the session cookie only: the workbench fetches it with the person's token
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.click("#letters-card details > summary")
    returned = f"#letter-{letter['letter_id']}-returned"
    page.fill(f"{returned} input[name=reason]", "查无此人")
    page.click(f"{returned} button[type=submit]")
    assert "退信已记录" in page.locator(".notice").inner_text()
    assert "已退信" in page.locator("#h-letters + table tbody tr").first.inner_text()
    recorded = book.api_read("collections", f"/cases/{case['case_id']}/letters")["items"][0]
    assert (recorded["status"], recorded["return_reason"]) == ("returned", "查无此人")


def test_reaching_the_borrower_contact_points_a_visit_with_its_reason_and_a_complaint_on_the_board(book, open_page):
    case = book.cases["wb-c"]
    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    page.goto(f"/cases/{case['case_id']}")
    points = page.locator("#points-card tbody tr")
    assert "暂无联系方式" not in page.locator("#points-card").inner_text(), "the loan file's points are listed"
    on_file = points.count()

    page.select_option("#contact-points select[name=kind]", "phone")
    page.fill("#contact-points input[name=value]", "13912345678")
    page.click("#contact-points button[type=submit]")
    assert "联系方式已添加" in page.locator(".notice").inner_text()
    assert points.count() == on_file + 1
    found = next(p for p in book.api_case(case["case_id"])["contact_points"] if p["source"] == "trace")
    row = page.locator(f'tr[id="point-{found["point_id"]}"]')
    assert "未核实" in row.inner_text()
    row.locator("button[type=submit]").click()
    assert "联系方式已标记" in page.locator(".notice").inner_text()
    assert "无效" in page.locator(f'tr[id="point-{found["point_id"]}"]').inner_text()

    page.select_option("#contacts select[name=channel]", "visit")
    page.select_option("#contacts select[name=outcome]", "met_borrower")
    page.select_option("#contacts select[name=reason]", "cash_flow")
    page.fill("#contacts textarea[name=note]", "上门见到本人，生意周转不开")
    page.click("#contacts button[type=submit]")
    assert "联系记录已保存" in page.locator(".notice").inner_text()
    assert "外访：见到本人" in page.locator("#h-contacts + table tbody tr").first.inner_text()
    logged = [e for e in book.api_case(case["case_id"])["timeline"] if e["type"] == "collections.contact.logged"]
    assert logged[-1]["data"]["reason"] == "cash_flow"

    page.select_option("#complaints select[name=category]", "collector_conduct")
    page.fill("#complaints textarea[name=description]", "借款人投诉催收员语气不好")
    page.click("#complaints button[type=submit]")
    assert "投诉已记录" in page.locator(".notice").inner_text()
    assert "催收人员行为" in page.locator("#complaints-card tbody tr").first.inner_text()

    board = open_page("zh", javascript=False)
    sign_in(board, "sup-wb", "collections_supervisor")
    board.goto("/board")
    waiting = int(board.locator("#complaints-open .n").inner_text())
    assert waiting >= 1
    complaint = book.api_case(case["case_id"])["complaints"][-1]
    board.goto(f"/cases/{case['case_id']}")
    answer = f"#complaint-{complaint['complaint_id']}-resolve"
    board.fill(f"{answer} input[name=resolution]", "已约谈催收员并致歉")
    board.click(f"{answer} button[type=submit]")
    assert "投诉已答复" in board.locator(".notice").inner_text()
    assert "已处理" in board.locator("#complaints-card tbody tr").last.inner_text()
    assert book.api_case(case["case_id"])["complaints"][-1]["status"] == "resolved"
    board.goto("/board")
    assert int(board.locator("#complaints-open .n").inner_text()) == waiting - 1
