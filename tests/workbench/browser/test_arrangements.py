"""Arrangements in a real browser (issue 15): the collector proposes a settlement with a waiver on the case page
(a first try that does not add up is refused with its rule, the form keeping what was typed); it waits for a
second person; a supervisor approves it on /board; the case page lists it approved — in Chinese and English."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.workbench.browser.test_collector_day import sign_in

pytestmark = pytest.mark.e2e
CENT = Decimal("0.01")


def test_a_collector_proposes_a_settlement_and_a_supervisor_approves_it_on_the_board(book, open_page):
    case = book.cases["wb-a"]
    cid = case["case_id"]
    recorded = book.api_case(cid)
    owed = Decimal(recorded["amount_owed"])
    waive = max((Decimal(recorded["charges_outstanding"]) * Decimal("0.20")).quantize(CENT), CENT)
    first = ((owed - waive) / 2).quantize(CENT)
    due_1, due_2 = book.business_date + timedelta(days=10), book.business_date + timedelta(days=40)

    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    page.goto(f"/cases/{cid}")
    card = page.locator("#arrangements")
    assert "还款安排" in card.locator("h2").inner_text() and "暂无还款安排" in card.inner_text()
    assert f"¥{owed:,.2f}" in card.inner_text(), "the amount owed the arrangement must cover"

    form = "#arrangement-form"
    page.select_option(f"{form} select[name=kind]", "settlement")
    page.fill(f"{form} input[name=waive]", f"{waive:.2f}")
    page.fill(f"{form} input[name=due_date_1]", due_1.isoformat())
    page.fill(f"{form} input[name=amount_1]", f"{first:.2f}")
    page.fill(f"{form} input[name=due_date_2]", due_2.isoformat())
    page.fill(f"{form} input[name=amount_2]", f"{first:.2f}")  # short by what the first half rounded off
    with page.expect_navigation() as refused:
        page.click(f"{form} button[type=submit]")
    second = owed - waive - first
    if second != first:
        assert refused.value.status == 422
        alert = page.locator("#refusal").inner_text()
        assert "各期金额加减免额须等于欠款总额" in alert and "arrangement_total_mismatch" in alert
        assert page.input_value(f"{form} input[name=waive]") == f"{waive:.2f}", "the form keeps what was typed"
        page.fill(f"{form} input[name=amount_2]", f"{second:.2f}")
        page.click(f"{form} button[type=submit]")
    assert "还款安排已提出" in page.locator(".notice").inner_text()
    row = card.locator("#arrangements-list tbody tr").first.inner_text()
    assert "和解结清" in row and "待审批" in row and "主管" in row
    [arrangement] = book.api_case(cid)["arrangements"]
    assert (arrangement["status"], arrangement["waive"]) == ("pending_approval", f"{waive:.2f}")
    assert page.locator(f'form[action="/arrangements/{arrangement["arrangement_id"]}/approve"]').count() == 0, \
        "a collector has no approve button"

    board = open_page("en")
    sign_in(board, "supervisor-1", "collections_supervisor", "reporting", lang="en")
    board.goto("/board#arrangements")
    waiting = board.locator(f"#waiting-{arrangement['arrangement_id']}")
    assert "Settlement" in waiting.inner_text() and case["assignee"] in waiting.inner_text()
    waiting.locator("form[action$='/approve'] button").click()
    assert "The arrangement is approved." in board.locator("#arrangements .notice").inner_text()
    assert board.locator(f"#waiting-{arrangement['arrangement_id']}").count() == 0, "no longer waiting"
    assert book.api_case(cid)["arrangements"][0]["approved_by"] == "supervisor-1"

    page.goto(f"/cases/{cid}#arrangements")
    row = page.locator("#arrangements-list tbody tr").first.inner_text()
    assert "已审批" in row and "supervisor-1" in row


def test_a_waiver_above_the_supervisors_limit_is_refused_to_the_supervisor_and_approved_by_a_credit_manager(
        book, open_page):
    case = book.cases["wb-b"]
    cid = case["case_id"]
    owed = Decimal(book.api_case(cid)["amount_owed"])
    waive = (owed * Decimal("0.30")).quantize(CENT)  # above a supervisor's 20% of the amount owed
    page = open_page("en", javascript=False)
    sign_in(page, case["assignee"], "collector", lang="en")
    page.goto(f"/cases/{cid}")
    form = "#arrangement-form"
    page.select_option(f"{form} select[name=kind]", "settlement")
    page.fill(f"{form} input[name=waive]", f"{waive:.2f}")
    page.fill(f"{form} input[name=due_date_1]", (book.business_date + timedelta(days=15)).isoformat())
    page.fill(f"{form} input[name=amount_1]", f"{owed - waive:.2f}")
    page.click(f"{form} button[type=submit]")
    assert "The arrangement is proposed." in page.locator(".notice").inner_text()
    assert "needs a credit manager" in page.locator("#arrangements-list tbody tr").first.inner_text()
    [arrangement] = book.api_case(cid)["arrangements"]
    aid = arrangement["arrangement_id"]

    board = open_page("en")
    sign_in(board, "supervisor-1", "collections_supervisor", lang="en")
    board.goto("/board#arrangements")
    with board.expect_navigation() as refused:
        board.locator(f"#waiting-{aid} form[action$='/approve'] button").click()
    assert refused.value.status == 403
    alert = board.locator("#refusal").inner_text()
    assert "The waiver is above your approval limit" in alert and "approval_limit" in alert

    manager = open_page("zh")
    sign_in(manager, "km-1", "credit_manager")
    manager.goto("/arrangements")
    assert manager.locator("h1").inner_text() == "审批"
    assert "需信贷经理审批" in manager.locator(f"#waiting-{aid}").inner_text()
    manager.locator(f"#waiting-{aid} form[action$='/approve'] button").click()
    assert "还款安排已批准" in manager.locator(".notice").inner_text()
    assert manager.locator(f"#waiting-{aid}").count() == 0
    assert book.api_case(cid)["arrangements"][0]["approved_by"] == "km-1"


def _repay(book, loan_id: str, amount: str) -> None:
    """The borrower's bank posts a repayment (plain httpx, signed as a partner: Playwright owns the loop)."""
    import json
    import time
    import uuid

    import httpx

    from shared.auth import TokenIssuer, sign

    url = book.system.urls()["servicing"]
    admin = {"Authorization": f"Bearer {TokenIssuer(book.system.platform.signing_key()).issue('ops', ['admin'])}"}
    partner = httpx.post(f"{url}/v1/partners", json={"name": f"wb-bank-{uuid.uuid4().hex[:6]}"}, headers=admin,
                         timeout=10).json()
    body = json.dumps({"loan_id": loan_id, "amount": amount, "paid_at": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "external_ref": f"ref-{uuid.uuid4().hex[:12]}"}).encode()
    paid = httpx.post(f"{url}/v1/repayments", content=body, timeout=10, headers={
        "Content-Type": "application/json", "X-Partner-Id": partner["partner_id"],
        "X-Signature": sign(partner["secret"], body, int(time.time())), "Idempotency-Key": uuid.uuid4().hex})
    assert paid.status_code == 201, paid.text


def _until(check, what: str, timeout: float = 45.0):
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_payment_before_the_approval_leaves_the_plan_unfit_and_the_case_page_says_servicing_declined_it(
        book, open_page):
    """Proposed with a last instalment of 10.00; the borrower pays 50.00 before the supervisor approves; servicing
    cannot honour it (the last instalment would absorb −50.00) and says so; the case page shows it declined with
    the reason and the amounts, in Chinese and English — nobody believes a plan is in place."""
    case = book.cases["wb-c"]
    cid, loan_id = case["case_id"], case["loan_id"]
    owed = Decimal(book.api_case(cid)["amount_owed"])
    waive, last = Decimal("1.00"), Decimal("10.00")
    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    page.goto(f"/cases/{cid}")
    form = "#arrangement-form"
    page.select_option(f"{form} select[name=kind]", "settlement")
    page.fill(f"{form} input[name=waive]", f"{waive:.2f}")
    page.fill(f"{form} input[name=due_date_1]", (book.business_date + timedelta(days=10)).isoformat())
    page.fill(f"{form} input[name=amount_1]", f"{owed - waive - last:.2f}")
    page.fill(f"{form} input[name=due_date_2]", (book.business_date + timedelta(days=40)).isoformat())
    page.fill(f"{form} input[name=amount_2]", f"{last:.2f}")
    page.click(f"{form} button[type=submit]")
    assert "还款安排已提出" in page.locator(".notice").inner_text()
    [arrangement] = book.api_case(cid)["arrangements"]
    aid = arrangement["arrangement_id"]
    assert arrangement["status"] == "pending_approval"

    _repay(book, loan_id, "50.00")
    _until(lambda: Decimal(book.api_case(cid)["amount_owed"]) == owed - Decimal("50.00"), "the case seeing the payment")

    boss = open_page("en", javascript=False)
    sign_in(boss, "supervisor-1", "collections_supervisor", lang="en")
    boss.goto(f"/cases/{cid}#arrangements")
    boss.locator(f'form[action="/arrangements/{aid}/approve"] button').click()
    assert "The arrangement is approved." in boss.locator(".notice").inner_text()

    declined = _until(lambda: next((a for a in book.api_case(cid)["arrangements"] if a["status"] == "declined"), None),
                      "collections recording servicing's decline")
    assert (declined["decline_reason"], Decimal(declined["owed_now"]), Decimal(declined["planned"])) == (
        "plan_no_longer_fits", owed - Decimal("50.00"), owed)
    loan = book.api_read("servicing", f"/loans/{loan_id}")
    assert loan["status"] == "overdue", "the loan keeps its terms"

    page.goto(f"/cases/{cid}#arrangements")
    row = page.locator(f"#arrangement-{aid}").inner_text()
    assert "贷后未执行" in row and "提出后欠款金额已变化，方案已不再适用" in row
    assert f"¥{owed - Decimal('50.00'):,.2f}" in row and f"¥{owed:,.2f}" in row
    assert "请按当前欠款重新提出" in row
    boss.goto(f"/cases/{cid}#arrangements")
    row = boss.locator(f"#arrangement-{aid}").inner_text()
    assert "Not applied by servicing" in row and "the plan no longer fits" in row
    assert f"the plan covered ¥{owed:,.2f}" in row


def test_a_collector_fills_in_36_monthly_instalments_edits_them_and_the_sum_is_checked_by_collections(
        book, open_page):
    """Without JavaScript: 36 instalments from the 11th day on, monthly, filled in from the amount owed (to the
    fen, the remainder on the last); a row edited so the sum is off is refused by collections (422, its rule on
    the form, the 36 rows kept as typed); put right, the plan is proposed and approved at once (no waiver)."""
    case = book.cases["wb-d"]
    cid = case["case_id"]
    owed = Decimal(book.api_case(cid)["amount_owed"])
    first_due = book.business_date + timedelta(days=10)
    page = open_page("zh", javascript=False)
    sign_in(page, case["assignee"], "collector")
    page.goto(f"/cases/{cid}")
    form = "#arrangement-form"
    assert page.locator(f"{form} input[name^=amount_]").count() == 6, "six rows before anything is filled in"
    page.select_option(f"{form} select[name=kind]", "instalment_plan")
    page.fill(f"{form} input[name=plan_count]", "36")
    page.fill(f"{form} input[name=plan_first_due]", first_due.isoformat())
    page.click(f"{form} button[name=generate]")
    assert "各期已填写" in page.locator("#plan-filled").inner_text()
    amounts = [Decimal(page.input_value(f"{form} input[name=amount_{n}]")) for n in range(1, 37)]
    dues = [page.input_value(f"{form} input[name=due_date_{n}]") for n in range(1, 37)]
    each = (owed / 36).quantize(CENT, rounding="ROUND_DOWN")
    assert amounts[:35] == [each] * 35 and amounts[35] == owed - 35 * each and sum(amounts) == owed
    assert dues[0] == first_due.isoformat() and len(set(dues)) == 36 and dues == sorted(dues)
    assert dues[12][5:7] == dues[0][5:7] and int(dues[12][:4]) == first_due.year + 1, "monthly: a year on"
    assert book.api_case(cid)["arrangements"] == [], "filling in proposes nothing"

    page.fill(f"{form} input[name=amount_2]", f"{amounts[1] + CENT:.2f}")  # one fen too many
    with page.expect_navigation() as refused:
        page.click(f"{form} button[type=submit]:not([name=generate])")
    assert refused.value.status == 422
    alert = page.locator("#refusal").inner_text()
    assert "各期金额加减免额须等于欠款总额" in alert and "arrangement_total_mismatch" in alert
    assert page.input_value(f"{form} input[name=amount_2]") == f"{amounts[1] + CENT:.2f}", "kept as typed"
    assert page.input_value(f"{form} input[name=due_date_36]") == dues[35]
    page.fill(f"{form} input[name=amount_36]", f"{amounts[35] - CENT:.2f}")  # put right on the last row
    page.click(f"{form} button[type=submit]:not([name=generate])")
    assert "还款安排已提出" in page.locator(".notice").inner_text()
    [arrangement] = book.api_case(cid)["arrangements"]
    assert (arrangement["kind"], arrangement["status"], len(arrangement["instalments"])) == (
        "instalment_plan", "approved", 36)
    assert [Decimal(i["amount"]) for i in arrangement["instalments"]][:2] == [amounts[0], amounts[1] + CENT]
    assert sum(Decimal(i["amount"]) for i in arrangement["instalments"]) == owed

    en = open_page("en", javascript=False)
    sign_in(en, case["assignee"], "collector", lang="en")
    en.goto(f"/cases/{cid}")
    assert "Fill in the instalments" in en.locator("#arrangements").inner_text()
