"""Issue 15 in a real browser: legal refers a case by hand from the case page, a step out of its rules (closing
without an outcome) is refused with its rule and records nothing, the case is filed at court with its fees, and
/reports shows the proceedings and their costs — in English and Chinese."""

from __future__ import annotations

import time

import pytest

from tests.workbench.browser.test_collector_day import sign_in

pytestmark = pytest.mark.e2e


def test_legal_refers_and_files_a_case_from_the_case_page_and_reads_the_legal_report(book, open_page):
    case = book.cases["wb-c"]
    cid = case["case_id"]
    page = open_page("en", javascript=False)
    sign_in(page, "legal-wang", "legal", "reporting", lang="en")
    page.goto(f"/cases/{cid}")
    card = page.locator("#legal-card")
    assert "Not referred to legal." in card.inner_text() and "Not in legal" in card.inner_text()
    assert "Next step: Referral to legal" in page.locator("#legal-next").inner_text()

    page.select_option("#legal-actions select[name=kind]", "referral")
    page.click("#legal-actions button[type=submit]")
    assert "The legal step is recorded." in page.locator(".notice").inner_text()
    assert "Referred to legal" in page.locator("#legal-status").inner_text()
    assert book.api_case(cid)["queue"] == "legal"

    # closing without an outcome: refused with its rule, nothing recorded, the form keeps the choice
    page.select_option("#legal-actions select[name=kind]", "closed")
    page.fill("#legal-actions input[name=reference]", "撤回")
    page.click("#legal-actions button[type=submit]")
    refusal = page.locator("#refusal").inner_text()
    assert "Closing the proceedings needs their outcome" in refusal and "outcome_required" in refusal
    assert page.input_value("#legal-actions input[name=reference]") == "撤回"
    assert [a["kind"] for a in book.api_case(cid)["legal"]["actions"]] == ["referral"]

    page.goto(f"/cases/{cid}")
    page.select_option("#legal-actions select[name=kind]", "filing")
    page.fill("#legal-actions input[name=court]", "上海市浦东新区人民法院")
    page.fill("#legal-actions input[name=reference]", "(2026)沪0115民初77号")
    page.fill("#legal-actions input[name=cost]", "318.75")
    page.click("#legal-actions button[type=submit]")
    assert "The legal step is recorded." in page.locator(".notice").inner_text()
    rows = page.locator("#legal-actions-table tbody tr")
    assert rows.count() == 2 and "(2026)沪0115民初77号" in rows.nth(1).inner_text()
    assert page.locator("#legal-costs").inner_text() == "¥318.75"
    assert "Payment order (支付令)" in page.locator("#legal-next").inner_text()
    assert book.api_case(cid)["legal"]["status"] == "filed"

    period = f"from={book.business_date.replace(day=1)}&to={book.business_date}"
    deadline = time.monotonic() + 60
    while book.api_read("reporting", f"/reports/collections?{period}")["legal"]["filings"] < 1:
        assert time.monotonic() < deadline, "reporting never saw the filing"
        time.sleep(0.5)
    page.goto(f"/reports?{period}")
    report = page.locator("#legal-report")
    stages = report.locator("#legal-stages").inner_text()
    assert "Filed at court\t1" in stages or "Filed at court 1" in stages.replace("\t", " "), stages
    assert "Legal costs ¥318.75" in report.inner_text()

    zh = open_page("zh", javascript=False)
    sign_in(zh, "legal-wang", "legal", "reporting")
    zh.goto(f"/cases/{cid}")
    assert "法律程序" in zh.locator("#h-legal").inner_text() and "已立案" in zh.locator("#legal-status").inner_text()
    zh.goto(f"/reports?{period}")
    assert "法律费用" in zh.locator("#legal-report").inner_text()
