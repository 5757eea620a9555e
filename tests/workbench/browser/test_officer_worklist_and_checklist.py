"""Loan officers in a real browser: /applications puts the applications whose next step is the signed-in
person's first ("waiting for you"), in Chinese and English, with segregation of duties applied; an
application's page lists DOMAIN.md's rules beside the decision, the broken ones first to the eye; /reports
says what moved the NPL ratio since the month end (which loans crossed 90 days, the book's part)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from loanflow.client import LoanflowClient, id_number
from services.workbench import i18n
from tests.workbench.browser.test_loan_officers_and_management import (  # noqa: F401 (npl_book: a fixture)
    api,
    in_thread,
    npl_book,
    sign_in,
    unlabelled,
)

pytestmark = pytest.mark.e2e
CHECKS = [{"relation": r, "outcome": "confirmed"} for r in ("family", "other", "work")]


def application(n: int, amount: str = "30000.00", overdue: int = 0) -> dict[str, Any]:
    return {"applicant": {"name": "孙海燕", "id_number": id_number("130608", "19820714", 400 + n),
                          "phone": f"1381234{n:04d}", "monthly_income": "15000.00"},
            "product": "credit", "amount": amount, "term_months": 12, "annual_rate": "0.12",
            "repayment_method": "equal_installment", "credit_report": {"max_overdue_months": overdue},
            "contacts": [{"relation": "family", "name": "孙父", "phone": f"1390000{n:04d}"},
                         {"relation": "other", "name": "刘友", "phone": f"1370000{n:04d}"},
                         {"relation": "work", "name": "马同事", "phone": f"1360000{n:04d}"}]}


@pytest.fixture(scope="module")
def officer_book(book: Any) -> dict[str, str]:
    """Filed by cm-wl: one new, one at the team manager's re-review, one filed by the team manager tm-wl
    himself (another's to re-review), one large approved one waiting for its field investigation."""
    async def play(client: LoanflowClient) -> dict[str, str]:
        async def filed(n: int, by: str = "cm-wl", amount: str = "30000.00") -> str:
            answer = await client.post("origination", "/v1/applications", (by, "client_manager"),
                                       application(n, amount), expect=201)
            return str(answer["id"])

        async def review(app_id: str, who: str, stage: str, **extra: Any) -> None:
            await client.post("origination", f"/v1/applications/{app_id}/reviews", (who, stage),
                              {"stage": stage, "decision": "approve", **extra}, expect=201)

        new, second, own = await filed(1), await filed(2), await filed(3, by="tm-wl")
        await review(second, "cm-wl", "client_manager", contact_verifications=CHECKS)
        await review(own, "cm-x", "client_manager", contact_verifications=CHECKS)
        large = await filed(4, amount="150000.00")
        await review(large, "cm-x", "client_manager", contact_verifications=CHECKS)
        await review(large, "tm-y", "team_manager")
        await review(large, "crm-wl", "credit_manager")
        doubtful = await filed(5, by="cm-x")
        await review(doubtful, "cm-x", "client_manager", note="朋友电话三次未接", contact_verifications=[
            {**CHECKS[0]}, {"relation": "other", "outcome": "unreachable", "note": "三次未接"}, {**CHECKS[2]}])
        return {"new": new, "second": second, "own": own, "large": large, "doubtful": doubtful}

    return in_thread(play, book)


def waiting_ids(page: Any) -> list[str]:
    links = page.locator("#waiting tbody a")
    return [str(links.nth(i).get_attribute("title")) for i in range(links.count())]


def test_the_applications_waiting_for_me_come_first(book, officer_book, open_page):
    tm = open_page("zh", javascript=False)
    sign_in(tm, "tm-wl", "team_manager")
    tm.goto("/applications")
    assert tm.locator("#h-waiting").inner_text().startswith("待我办理")
    mine = waiting_ids(tm)
    assert officer_book["second"] in mine and officer_book["large"] in mine
    assert officer_book["own"] not in mine, "he filed it: segregation of duties keeps it off his list"
    assert officer_book["new"] not in mine, "the client manager's first review comes before his"
    rows = {tm.locator("#waiting tbody tr").nth(i).locator("a").get_attribute("title"):
            tm.locator("#waiting tbody tr").nth(i).inner_text() for i in range(len(mine))}
    assert "团队经理复审" in rows[officer_book["second"]] and "实地征信" in rows[officer_book["large"]]
    assert tm.locator("#waiting-count").inner_text() == str(len(mine))
    assert unlabelled(tm) == []

    cm = open_page("en")
    sign_in(cm, "cm-wl", "client_manager", lang="en")
    cm.goto("/applications")
    assert cm.locator("#h-waiting").inner_text().startswith("Waiting for you")
    row = cm.locator("#waiting tbody tr", has=cm.locator(f'a[title="{officer_book["new"]}"]'))
    assert "Client manager review" in row.inner_text() and "(you)" in row.inner_text()
    assert officer_book["second"] not in waiting_ids(cm)
    row.locator("a").click()
    cm.wait_for_url(f"**/applications/{officer_book['new']}#next")
    cm.locator("#review-form").wait_for()

    crm = open_page("en", javascript=False)
    sign_in(crm, "crm-wl", "credit_manager", lang="en")
    crm.goto("/applications")
    assert officer_book["large"] not in waiting_ids(crm), "the field investigation comes before disbursement"
    assert api(book, "origination", f"/applications/{officer_book['large']}")["next_step"]["action"] == "investigation"


def test_the_rules_are_checked_beside_the_decision(book, officer_book, open_page):
    tm = open_page("en", javascript=False)
    sign_in(tm, "tm-wl", "team_manager", lang="en")
    tm.goto(f"/applications/{officer_book['doubtful']}")
    checklist = tm.locator("#next #checklist")
    assert checklist.locator("#h-checklist .badge").inner_text() == "1 rule not met"
    contacts = checklist.locator("#check-contacts").inner_text()
    assert "Not met" in contacts and "Other contact: Unreachable" in contacts
    assert "Met" in checklist.locator("#check-credit_report").inner_text()
    assert "no other part" in checklist.locator("#check-duties").inner_text()
    assert tm.locator("#review-form").count() == 1, "the decision stays his: the checklist informs it"
    tm.goto(f"/applications/{officer_book['large']}")
    assert "To do" in tm.locator("#check-investigation").inner_text()
    assert "required for this amount" in tm.locator("#check-investigation").inner_text()

    cm = open_page("zh", javascript=False)
    sign_in(cm, "cm-wl", "client_manager", "team_manager")
    cm.goto(f"/applications/{officer_book['second']}")
    duties = cm.locator("#check-duties").inner_text()
    assert "不符合" in duties and "本申请由您提交，您不能办理团队经理复审" in duties, "said before he fills the form"
    assert cm.locator("#check-contacts").inner_text().count("符合") == 1 and "均已由客户经理核实" in cm.locator(
        "#check-contacts").inner_text()
    assert unlabelled(cm) == []
    cm.goto(f"/applications/{officer_book['new']}")
    assert "待办" in cm.locator("#check-contacts").inner_text(), "the first review is where the contacts are called"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_management_reads_what_moved_the_npl_ratio(book, npl_book, open_page, lang):  # noqa: F811
    page = open_page(lang, javascript=False)
    sign_in(page, "mgr-wl", "reporting", lang=lang)
    report = api(book, "reporting", "/reports/delinquency", as_of=npl_book)
    before = report["previous_month_end"]
    rolls = report["roll_rates"]
    crossed = sum(rolls[b]["to"].get(t, 0) for b in ("current", "1-30", "31-60", "61-90") for t in ("91-180", "180+"))
    assert crossed >= 1 and report["npl_dpd_threshold"] == 90, "the story: two loans went past 90 days"

    drivers = page.locator("#npl-drivers")
    assert ("不良贷款率 = 不良贷款余额" if lang == "zh" else "NPL ratio = non-performing balance") in (
        drivers.locator(".definition").inner_text()), "the figure comes with its definition"
    balance = drivers.locator("#driver-balance").inner_text()
    for amount in (before["npl"]["balance"], report["npl"]["balance"]):
        assert i18n.money(amount, lang) in balance
    assert (f"{crossed} 笔逾期超过 90 天转入不良" if lang == "zh" else
            f"{crossed} loan{'s' if crossed != 1 else ''} crossed 90 days past due") in balance
    book_row = drivers.locator("#driver-book").inner_text()
    assert i18n.money(report["outstanding_principal"], lang) in book_row
    ratio = drivers.locator("#driver-ratio").inner_text()
    assert ("个百分点" if lang == "zh" else "pp from the non-performing balance") in ratio
    assert i18n.fmt_rate(report["npl"]["ratio"], lang, 2) in ratio
    rise = Decimal(report["npl"]["ratio"]) - Decimal(before["npl"]["ratio"] or "0")
    assert rise > 0 and drivers.locator("#driver-ratio td").nth(2).inner_text().startswith(
        "+" + i18n.fmt_rate(rise, lang, 2, "")), "the change in points, with its sign"


def test_each_rate_on_the_report_says_what_it_counts(book, npl_book, open_page):  # noqa: F811
    page = open_page("zh", javascript=False)
    sign_in(page, "mgr-wl", "reporting")
    april = book.business_date.replace(day=1).isoformat()  # the month the story's borrowers paid in
    page.goto(f"/reports?from={april}")
    figures = api(book, "reporting", "/reports/collections", **{"from": april, "to": npl_book})
    kept, broken = figures["promises"]["kept"], figures["promises"]["broken"]
    assert f"期内有结果的承诺 {kept + broken} 个，兑现 {kept} 个" in page.locator("#def-promise-kept").inner_text()
    assert "含委外机构和法务" in page.locator("#def-recovered").inner_text()
    assert "向后迁徙率 = 现已进入更后区间或已核销" in page.locator("#h-roll ~ #def-roll").inner_text()
    assert "回正率 = 期内在该阶段回正或结清的案件" in page.locator("#h-stage-roll ~ #def-stage").inner_text()
    rows = page.locator("#h-collectors + table tbody tr")
    assert figures["collectors"], "the story's payments were credited to the cases' collectors"
    valid_col = page.locator("#h-collectors + table thead th").all_inner_texts().index("有效外访 / 目标")
    for name, row in figures["collectors"].items():
        cells = rows.filter(has=page.locator(f'th:text-is("{name}")')).locator("th, td").all_inner_texts()
        assert cells[valid_col] == f"{row['valid_visits']} / {row['visit_target']}", "valid visits beside the target"
    assert "与全部外访分开统计" in page.locator("#def-visits").inner_text()
    page.goto("/reports?lang=en")
    assert "kept ÷ (kept + broken)" in page.locator("#def-promise-kept").inner_text()
    assert "rolled forward = now in a later bucket or written off" in page.locator("#def-roll").inner_text()
