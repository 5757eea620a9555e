"""Loan officers and management in a real browser: an application filed (field errors first), reviewed
by three different people in order (one segregation-of-duty refusal on the way), re-checked and
disbursed; then /reports in Chinese and English with the NPL ratio, its SVG charts and a CSV."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest

from loanflow.client import LoanflowClient, id_number, wait_for
from services.workbench import i18n
from shared.auth import TokenIssuer

pytestmark = pytest.mark.e2e


def sign_in(page: Any, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def api(book: Any, service: str, path: str, **params: Any) -> Any:
    token = TokenIssuer(book.system.platform.signing_key()).issue("ops", ["admin"])
    answer = httpx.get(f"{book.system.urls()[service]}/v1{path}", params=params,
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)
    answer.raise_for_status()
    return answer.json()


def unlabelled(page: Any) -> list[str]:
    """Inputs with no label (neither inside one, nor named by one's `for`, nor aria-label); works without JavaScript."""
    fields = page.locator("main input:not([type=hidden]), main select, main textarea")
    names = []
    for i in range(fields.count()):
        field = fields.nth(i)
        own = field.get_attribute("id")
        if not (field.locator("xpath=ancestor::label").count() or field.get_attribute("aria-label")
                or (own and page.locator(f'label[for="{own}"]').count())):
            names.append(field.get_attribute("name"))
    return names


def fill_application(page: Any, applicant_id: str, phone: str) -> None:
    page.fill("#f-applicant-name", "周建国")
    page.fill("#f-applicant-id_number", applicant_id)
    page.fill("#f-applicant-phone", phone)
    page.fill("#f-applicant-monthly_income", "12000.00")
    page.select_option("#f-product", "credit")
    page.fill("#f-amount", "20000.00")
    page.fill("#f-term_months", "12")
    for i, (name, mobile) in enumerate([("周母", "13911110001"), ("李友", "13711110002"), ("王同事", "13611110003")]):
        page.fill(f"#f-contacts-{i}-name", name)
        page.fill(f"#f-contacts-{i}-phone", mobile)


def test_an_application_goes_through_three_reviews_by_three_people_to_disbursement(book, open_page):
    good_id = id_number("330106", "19800515", 417)
    bad_id = good_id[:17] + ("0" if good_id[17] != "0" else "1")

    # A client manager who also holds the team-manager role: files, reviews first, and is refused the second.
    cm = open_page("zh", javascript=False)
    sign_in(cm, "cm-wang", "client_manager", "team_manager")
    assert cm.url.endswith("/applications") and cm.locator("h1").inner_text() == "贷款申请"
    cm.click("text=新建申请")
    assert unlabelled(cm) == []
    fill_application(cm, bad_id, "1381234567")
    cm.click("button[type=submit]:has-text('提交申请')")
    assert "申请未提交" in cm.locator("#refusal").inner_text()
    id_error = cm.locator("label[for=f-applicant-id_number] .field-error").inner_text()
    assert "校验位不符" in id_error, "the GB 11643 check digit error sits next to the ID number"
    assert "11位手机号" in cm.locator("label[for=f-applicant-phone] .field-error").inner_text()
    assert cm.input_value("#f-applicant-id_number") == bad_id and cm.input_value("#f-contacts-2-name") == "王同事"
    cm.screenshot(path=str(_shot("application-field-errors")), full_page=True)

    cm.fill("#f-applicant-id_number", good_id)
    cm.fill("#f-applicant-phone", "13812345678")
    cm.fill("#f-applicant-addresses-home", "杭州市西湖区文三路 90 号")
    cm.fill("#f-applicant-employer-name", "杭州某某科技有限公司")
    cm.fill("#f-credit_report-max_overdue_months", "")  # no report: the bureau needs the applicant's authorisation
    cm.click("button[type=submit]:has-text('提交申请')")
    assert "须有申请人签署的授权书才能查询征信" in cm.locator("#refusal").inner_text()
    assert "征信查询授权" in cm.locator("form.intake fieldset:has(#f-credit_authorisation-signed_on)").inner_text()
    assert cm.input_value("#f-applicant-addresses-home") == "杭州市西湖区文三路 90 号"
    cm.fill("#f-credit_report-max_overdue_months", "0")
    cm.click("button[type=submit]:has-text('提交申请')")
    assert "申请已提交" in cm.locator(".notice[role=status]").inner_text()
    app_id = cm.url.split("/applications/")[1].split("?")[0]
    assert "客户经理初审" in cm.locator("#step-client_manager").inner_text()

    contacts = cm.locator("#h-contacts ~ table").inner_text()
    assert "13911110001" not in contacts and "139****0001" in contacts, "personal data is masked by default"
    cm.fill("#reveal-reason", "电话核实三方联系人")
    cm.click("#reveal-form button[type=submit]")
    assert "13911110001" in cm.locator("#h-contacts ~ table").inner_text() and cm.locator("#revealed").count() == 1
    audit = api(book, "origination", "/audit/access", application_id=app_id)["items"]
    assert [(a["actor"], a["reason"]) for a in audit] == [("cm-wang", "电话核实三方联系人")]
    assert cm.url.endswith(f"/applications/{app_id}/reveal"), "a POST: the reason is in no URL or history"
    cm.goto(f"/applications/{app_id}")
    assert "13911110001" not in cm.locator("#h-contacts ~ table").inner_text(), "opened again: masked"
    cm.click("#review-form button[type=submit]")  # three contacts confirmed (the default), approve
    assert "审查意见已登记" in cm.locator(".notice[role=status]").inner_text()
    assert "cm-wang" in cm.locator("#step-client_manager").inner_text()
    assert cm.locator("#step-team_manager").get_attribute("class") == "next"

    cm.fill("#rv-note", "我自己复审")
    cm.click("#review-form button[type=submit]")
    assert "岗位分离" in cm.locator("#segregation").inner_text()
    assert "segregation_of_duties" in cm.locator("#refusal").inner_text()
    assert cm.input_value("#rv-note") == "我自己复审", "the refused form keeps what was typed"
    assert cm.locator("#step-team_manager").get_attribute("class") == "next"

    tm = open_page("zh", javascript=False)
    sign_in(tm, "tm-li", "team_manager")
    tm.goto(f"/applications/{app_id}")
    tm.fill("#rv-note", "复审通过，收入稳定")
    tm.click("#review-form button[type=submit]")
    assert "tm-li" in tm.locator("#step-team_manager").inner_text()

    crm = open_page("en")
    sign_in(crm, "crm-zhao", "credit_manager", lang="en")
    crm.goto("/applications?status=under_review")
    crm.click(f'a[title="{app_id}"]')
    assert unlabelled(crm) == []
    crm.select_option("#rv-decision", "approve")
    crm.click("#review-form button[type=submit]")
    assert crm.locator("#status").inner_text() == "Approved"
    crm.click("#disburse-form button[type=submit]")
    assert "The loan is disbursed." in crm.locator(".notice[role=status]").inner_text()
    assert "Re-check passed" in crm.locator("#recheck").inner_text()
    loan_id = crm.locator("#loan-id").inner_text()

    recorded = api(book, "origination", f"/applications/{app_id}")
    assert [(r["stage"], r["reviewer"]) for r in recorded["reviews"]] == [
        ("client_manager", "cm-wang"), ("team_manager", "tm-li"), ("credit_manager", "crm-zhao")]
    assert recorded["status"] == "disbursed" and recorded["loan_id"] == loan_id
    assert [v["outcome"] for v in recorded["reviews"][0]["contact_verifications"]] == ["confirmed"] * 3
    opened = in_thread(lambda client: wait_for(lambda: _loan(book, loan_id), "servicing opens the loan", 60), book)
    assert opened["principal"] == "20000.00"
    crm.reload()
    assert "¥20,000.00" in crm.locator("#loan").inner_text()


def test_an_intake_form_posted_twice_files_one_application(book, open_page):
    page = open_page("zh", javascript=False)
    sign_in(page, "cm-zhou", "client_manager")
    page.goto("/applications/new")
    fill_application(page, id_number("440305", "19900220", 618), "13512345678")
    fields = page.locator("form.intake input, form.intake select")
    posted = {fields.nth(i).get_attribute("name"): fields.nth(i).input_value() for i in range(fields.count())}
    assert posted["idempotency_key"] and posted["csrf_token"]
    page.click("button[type=submit]:has-text('提交申请')")
    first = page.url.split("?")[0]
    again = page.request.post("/applications", form=posted)  # the browser sends the same form once more
    assert again.ok and again.url.split("?")[0] == first, "the replay lands on the same application"
    mine = [a for a in api(book, "origination", "/applications", limit=500)["items"] if a["submitted_by"] == "cm-zhou"]
    assert len(mine) == 1

    page.goto("/applications/new")  # an overdue of 4 months in the applicant's report: rejected at intake
    fill_application(page, id_number("440305", "19900220", 619), "13512345679")
    page.fill("#f-credit_report-max_overdue_months", "4")
    page.click("button[type=submit]:has-text('提交申请')")
    assert page.locator("#status").inner_text() == "已拒绝"
    rejected = page.locator("#rejected").inner_text()
    assert "受理环节，按信贷规则" in rejected and "征信报告显示逾期 4 个月（3个月及以上）" in rejected


def test_a_large_loan_waits_for_the_field_investigation_and_a_changed_file_fails_the_recheck(book, open_page):
    async def reviewed_large_application(client: LoanflowClient) -> str:
        body = {"applicant": {"name": "钱大海", "id_number": id_number("320102", "19750301", 233),
                              "phone": "13988887777", "monthly_income": "60000.00"},
                "product": "credit", "amount": "150000.00", "term_months": 24, "annual_rate": "0.10",
                "repayment_method": "equal_installment", "credit_report": {"max_overdue_months": 0},
                "contacts": [{"relation": "family", "name": "钱母", "phone": "13900001111"},
                             {"relation": "other", "name": "赵友", "phone": "13700002222"},
                             {"relation": "work", "name": "孙同事", "phone": "13600003333"}]}
        filed = await client.post("origination", "/v1/applications", ("cm-1", "client_manager"), body, expect=201)
        checks = [{"relation": r, "outcome": "confirmed"} for r in ("family", "other", "work")]
        for who, stage, extra in (("cm-1", "client_manager", {"contact_verifications": checks}),
                                  ("tm-2", "team_manager", {}), ("crm-3", "credit_manager", {})):
            await client.post("origination", f"/v1/applications/{filed['id']}/reviews", (who, stage),
                              {"stage": stage, "decision": "approve", **extra}, expect=201)
        return str(filed["id"])

    app_id = in_thread(reviewed_large_application, book)
    crm = open_page("en")
    sign_in(crm, "crm-3", "credit_manager", lang="en")
    crm.goto(f"/applications/{app_id}")
    assert "Required before disbursement" in crm.locator("#investigation").inner_text()
    assert "Field investigation by a Team manager" in crm.locator("#next").inner_text()
    assert crm.locator("#disburse-form").count() == 0

    tm = open_page("zh", javascript=False)
    sign_in(tm, "tm-2", "team_manager")
    tm.goto(f"/applications/{app_id}")
    assert unlabelled(tm) == []
    tm.fill("#inv-findings", "实地走访经营场所，库存与流水相符")
    tm.click("#investigation button[type=submit]")
    assert "实地征信结果已登记" in tm.locator(".notice[role=status]").inner_text()
    assert "tm-2" in tm.locator("#investigation").inner_text()

    async def amend(client: LoanflowClient) -> Any:
        return await client.post("origination", f"/v1/applications/{app_id}/amendments", ("cm-1", "client_manager"),
                                 {"credit_report": {"max_overdue_months": 1}, "reason": "新征信报告"}, expect=201)

    in_thread(amend, book)
    crm.reload()
    assert crm.locator("#step-client_manager").get_attribute("class") == "stale"
    crm.click("#disburse-form button[type=submit]")
    recheck = crm.locator("#recheck").inner_text()
    assert "Re-check failed: disbursement refused" in recheck and "changed after the Client manager review" in recheck
    assert api(book, "origination", f"/applications/{app_id}")["status"] == "approved", "nothing was disbursed"


async def _loan(book: Any, loan_id: str) -> Any:
    try:
        return api(book, "servicing", f"/loans/{loan_id}")
    except httpx.HTTPStatusError:
        return None


def in_thread(play: Callable[[LoanflowClient], Awaitable[Any]], book: Any) -> Any:
    """Run async steps on a loop of their own in another thread (Playwright's sync API owns this one)."""
    async def main() -> Any:
        client = LoanflowClient(book.system.urls(), book.system.platform.signing_key())
        try:
            return await play(client)
        finally:
            await client.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _shot(name: str) -> Any:
    from tests.workbench.browser.conftest import OUTPUT

    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT / f"{name}.png"


@pytest.fixture(scope="module")
def npl_book(book: Any) -> str:
    """One loan paid off, one brought current (it misses again in May), two never paying: 100 days on,
    those two are non-performing."""
    async def play(client: LoanflowClient) -> str:
        partner = await client.add_partner("wb-reports")
        for key in ("wb-a", "wb-b"):
            loan = api(book, "servicing", f"/loans/{book.cases[key]['loan_id']}")
            owed = loan["payoff_amount"] if key == "wb-a" else loan["overdue"]["total"]
            paid = await client.repay(partner, loan["loan_id"], owed)
            assert paid.status_code == 201, paid.text
        as_of = (book.business_date + timedelta(days=100)).isoformat()
        await client.advance(as_of)

        async def reported() -> Any:
            report = api(book, "reporting", "/reports/delinquency", as_of=as_of)
            return report if report["npl"]["ratio"] not in (None, "0.0000") else None

        await wait_for(reported, "reporting sees the non-performing loans", 90)
        return as_of

    return in_thread(play, book)  # type: ignore[no-any-return]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_management_reads_the_npl_ratio_its_charts_and_a_csv(book, npl_book, open_page, lang):
    page = open_page(lang, javascript=False)
    sign_in(page, "mgr-chen", "reporting", lang=lang)
    assert page.url.endswith("/reports")
    expected = api(book, "reporting", "/reports/delinquency", as_of=npl_book)
    figure = page.locator("#npl-ratio").inner_text()
    shown = f"{float(expected['npl']['ratio']) * 100:.2f}%"  # a display check only; the page uses Decimal
    assert shown in figure and ("不良贷款率" if lang == "zh" else "NPL ratio") in figure
    assert ("上升" if lang == "zh" else "up") in page.locator("#npl-change").inner_text()
    assert unlabelled(page) == []
    charts = page.locator("svg.chart")
    assert charts.count() == 2
    assert page.locator("svg.chart polyline").count() == 1 and page.locator("svg.chart rect").count() == 6
    assert page.locator("svg.chart title").first.text_content() == (
        "各月末不良贷款率" if lang == "zh" else "NPL ratio at each month end")
    assert ("逾期 91–180 天" if lang == "zh" else "91–180 days") in page.locator("#h-bucket-table + table").inner_text()

    april = book.business_date.replace(day=1)  # the month the two borrowers paid in
    page.fill("#from", april.isoformat())
    page.click("form.filters button[type=submit]")
    collectors = page.locator("#h-collectors + table tbody").inner_text()
    recovered = api(book, "reporting", "/reports/collections", **{"from": april.isoformat(), "to": npl_book})
    assert recovered["collectors"], "the two payments were credited to the cases' collectors"
    for name, row in recovered["collectors"].items():
        assert name in collectors and i18n.money(row["recovered"], lang) in collectors

    href = page.locator("#h-csv + ul a").first.get_attribute("href")
    assert href.startswith("/reports/delinquency.csv?as_of=") and "token" not in href and "eyJ" not in href
    csv = page.request.get(href)
    assert csv.status == 200 and csv.text().startswith("metric,value")
    assert f"npl.ratio,{expected['npl']['ratio']}" in csv.text()

    month_end = (book.business_date + timedelta(days=100)).replace(day=1) - timedelta(days=1)
    page.fill("#as_of", month_end.isoformat())
    page.click("form.filters button[type=submit]")
    assert f"as_of={month_end.isoformat()}" in page.url
    assert page.locator("#npl-ratio .n").inner_text() != shown, "the picker moved the report to the month end"
