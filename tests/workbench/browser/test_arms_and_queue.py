"""In a real browser on the running system: the collector's queue says who each borrower is (masked name
and phone beside DPD, amount, promise and last contact); a supervisor opens the policy-arms report from
the navigation, filters the period, and reads the same counts reporting's API gives."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.e2e


def sign_in(page, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def test_the_queue_shows_the_borrowers_masked_name_and_phone_never_the_full_ones(book, open_page):
    case = book.cases["wb-c"]
    borrower = book.api_case(case["case_id"])["borrower"]
    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    assert "借款人" in page.locator("table thead").inner_text()
    row = page.locator("tr", has=page.locator(f'a[title="{case["case_id"]}"]')).inner_text()
    name, phone = borrower["name"], borrower["phone"]
    assert f"{name[0]}{'*' * (len(name) - 1)}" in row and f"{phone[:3]}****{phone[-4:]}" in row
    assert name not in row and phone not in row
    assert str(case["days_past_due"]) in row and "从未" in row, "DPD and last contact beside the borrower"
    queued = book.api_read("collections", "/queue?collector=" + case["assignee"])["items"]
    assert all(c["borrower_name_masked"] for c in queued), "every queued case names its borrower"


def test_a_supervisor_reads_the_policy_arms_report_with_its_intervals_in_both_languages(book, open_page):
    start, end = "2026-03-01", book.business_date.isoformat()
    path = f"/reports/policy-arms?from={start}&to={end}"
    deadline = time.monotonic() + 60
    while book.api_read("reporting", path)["arms"]["champion"]["cases"] < len(book.cases):
        assert time.monotonic() < deadline, "reporting never counted the book's cases"
        time.sleep(0.5)
    report = book.api_read("reporting", path)

    page = open_page("zh", javascript=False)
    sign_in(page, "sup-wu", "collections_supervisor")
    page.click("nav >> text=策略对照")
    assert page.url.split("?")[0].endswith("/reports/arms")
    page.fill("#from", start)
    page.fill("#to", end)
    page.click("form.filters button[type=submit]")
    assert f"from={start}" in page.url and f"to={end}" in page.url
    assert page.locator("h1").inner_text() == "策略对照：现行策略与挑战策略"
    cases = page.locator("#arm-cases").inner_text()
    champion, challenger = report["arms"]["champion"], report["arms"]["challenger"]
    assert str(champion["cases"]) in cases and str(challenger["cases"]) in cases
    cure = page.locator("#arm-cure_rate").inner_text()
    assert f"({champion['cure_rate']['count']}/{champion['cure_rate']['of']})" in cure and "95%：" in cure
    if not challenger["cases"]:  # the book runs the champion alone: no difference can be read
        assert "案件不足" in cure
    assert page.locator("svg.chart.intervals").get_attribute("role") == "img"

    en = open_page("en")
    sign_in(en, "mgr-li", "reporting", lang="en")
    en.goto(f"/reports/arms?from={start}&to={end}")
    assert "Champion and challenger, each with its 95% interval" in en.locator("#h-arms-table").inner_text()
    assert "Contacts per case" in en.locator("#arm-contacts_per_case").inner_text()
