"""Issue 15 in a real browser: a supervisor places a case with a collection agency from the case page (a recall
date not after today is refused with its rule), the borrower pays part of it while placed, the supervisor
recalls it, and /reports shows the agency (placed balance, recovered, fee, liquidation rate) and the commission
per month — in English and Chinese."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from services.workbench.i18n import fmt_rate
from tests.workbench.browser.test_collector_day import sign_in
from tests.workbench.browser.test_loan_officers_and_management import in_thread

pytestmark = pytest.mark.e2e
AGENCY = "华信资产"


def test_a_supervisor_places_a_case_with_an_agency_recalls_it_and_reads_the_agencies_report(book, open_page):
    case = book.cases["wb-d"]
    cid = case["case_id"]
    page = open_page("en", javascript=False)
    sign_in(page, "sup-wu", "collections_supervisor", "reporting", lang="en")
    page.goto(f"/cases/{cid}")
    assert "Not placed with an agency." in page.locator("#placements-card").inner_text()

    page.fill("#placements input[name=agency]", AGENCY)
    page.fill("#placements input[name=fee_rate]", "0.25")
    page.fill("#placements input[name=recall_on]", book.business_date.isoformat())
    page.click("#placements button[type=submit]")
    refusal = page.locator("#refusal").inner_text()
    assert (
        "The recall date must be after the business date" in refusal and "recall_on_not_after_business_date" in refusal
    )
    assert page.input_value("#placements input[name=agency]") == AGENCY, "the form keeps what was typed"
    assert book.api_case(cid)["placements"] == [], "the refusal recorded nothing"

    recall_on = book.business_date + timedelta(days=20)
    page.fill("#placements input[name=recall_on]", recall_on.isoformat())
    page.click("#placements button[type=submit]")
    assert "The case is placed with the agency." in page.locator(".notice").inner_text()
    row = page.locator("#placements-card tbody tr").first.inner_text()
    assert AGENCY in row and "25" in row and "Placed" in row
    placed = book.api_case(cid)
    assert (placed["queue"], placed["placements"][0]["agency"]) == ("agency", AGENCY)
    balance = Decimal(placed["placements"][0]["placed_balance"])

    async def pay(client):
        partner = await client.add_partner("wb-agency-bank")
        answer = await client.repay(partner, case["loan_id"], "200.00")
        assert answer.status_code == 201, answer.text

    in_thread(pay, book)
    deadline = time.monotonic() + 60
    while book.api_case(cid)["placements"][0]["recovered"] != "200.00":
        assert time.monotonic() < deadline, "collections never credited the payment to the placement"
        time.sleep(0.5)

    page.goto(f"/cases/{cid}")
    assert "¥50.00" in page.locator("#placements-card tbody tr").first.inner_text(), "the agency's fee"
    page.click("#placement-recall button[type=submit]")
    assert "The case is recalled from the agency." in page.locator(".notice").inner_text()
    assert "recalled by hand" in page.locator("#placements-card tbody tr").first.inner_text()
    assert book.api_case(cid)["placements"][0]["status"] == "recalled"

    period = f"from={book.business_date.replace(day=1)}&to={book.business_date}"
    deadline = time.monotonic() + 60
    while (book.api_read("reporting", f"/reports/collections?{period}")["agencies"].get(AGENCY) or {}).get(
        "recovered"
    ) != "200.00":
        assert time.monotonic() < deadline, "reporting never saw the agency's recovery"
        time.sleep(0.5)
    reported = book.api_read("reporting", f"/reports/collections?{period}")["agencies"][AGENCY]
    assert (reported["fees"], Decimal(reported["placed_balance"])) == ("50.00", balance)
    page.goto(f"/reports?{period}")
    agencies = page.locator("#agencies tbody tr").first.inner_text()
    assert AGENCY in agencies and "¥200.00" in agencies and "¥50.00" in agencies and f"¥{balance:,.2f}" in agencies
    assert fmt_rate(reported["liquidation_rate"], "en", 1) in agencies, agencies
    assert "Recovered by agencies: ¥200.00, their fees ¥50.00" in page.locator("#commission").inner_text()

    zh = open_page("zh", javascript=False)
    sign_in(zh, "sup-wu", "collections_supervisor", "reporting")
    zh.goto(f"/reports?{period}")
    assert "委外机构" in zh.locator("#h-agencies").inner_text() and AGENCY in zh.locator("#agencies").inner_text()
    assert "每月提成" in zh.locator("#h-commission").inner_text()
    zh.goto(f"/cases/{cid}")
    assert "手工收回" in zh.locator("#placements-card").inner_text()
