"""In a real browser on the running system (issue 16, who saw what): a collector reveals a case's contact
points with a reason (collections records it); the auditor, whose home is /audit, sees that record with
its person, role, case, fields and reason, filters by the case, and a collector is refused the page."""

from __future__ import annotations

import re
from datetime import datetime

import httpx
import pytest

from shared.auth import TokenIssuer

pytestmark = pytest.mark.e2e


def sign_in(page, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def test_a_collectors_reveal_shows_on_the_auditors_page_and_a_collector_is_refused_it(book, open_page):
    case = book.cases["wb-c"]
    collector, cid = case["assignee"], case["case_id"]
    token = TokenIssuer(book.system.platform.signing_key()).issue(collector, ["collector"])
    revealed = httpx.get(f"{book.system.urls()['collections']}/v1/cases/{cid}", timeout=30,
                         params={"reveal": "true", "reason": "calling the borrower's work number"},
                         headers={"Authorization": f"Bearer {token}"})
    assert revealed.status_code == 200, revealed.text
    recorded = book.api_read("collections", f"/audit/access?case_id={cid}")["items"]
    assert [(r["actor"], r["reason"]) for r in recorded] == [(collector, "calling the borrower's work number")]

    page = open_page("en", javascript=False)
    sign_in(page, "aud-sun", "auditor", lang="en")
    assert page.url.split("?")[0].endswith("/audit"), "the auditor's home is the access audit"
    assert page.locator("h1").inner_text() == "Access audit: who saw which personal data"
    assert page.locator("nav >> text=Access audit").count() == 1
    row = page.locator(f"#access-collections-{recorded[0]['id']}")
    text = row.inner_text()
    assert collector in text and "collector" in text and "calling the borrower's work number" in text
    assert "Contact points: phones and addresses" in text and "collections" in text
    assert row.locator(f'a[href="/cases/{cid}"]').count() == 1

    page.fill("#subject", cid)
    page.click("form[action=\"/audit\"] button[type=submit]")
    assert page.locator("#access tbody tr").count() == 1, "only this case's record"
    assert page.locator("#access tbody tr").first.get_attribute("id") == f"access-collections-{recorded[0]['id']}"

    refused = open_page("zh", javascript=False)
    sign_in(refused, collector, "collector")
    assert refused.locator("nav >> text=访问审计").count() == 0, "no nav item for a collector"
    answer = refused.goto("/audit")
    assert answer is not None and answer.status == 403
    refusal = refused.locator("#refusal").inner_text()
    assert "您的角色无权进行此操作" in refusal and "missing_role" in refusal


def test_a_collector_reveals_a_cases_phones_with_a_reason_once_and_a_reload_is_masked_again(book, open_page):
    case = book.cases["wb-a"]
    collector, cid = case["assignee"], case["case_id"]
    page = open_page("zh", javascript=False)
    sign_in(page, collector, "collector")
    page.goto(f"/cases/{cid}")
    phone = page.locator("#point-borrower-phone td").nth(2)
    masked = phone.inner_text()
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", masked), masked
    assert page.locator("#revealed").count() == 0

    forged = page.request.post(f"/cases/{cid}/reveal", form={"reason": "没有令牌"})
    assert forged.status == 403 and re.search(r"1\d{10}", forged.text()) is None
    wrong = page.request.post(f"/cases/{cid}/reveal", form={"reason": "错误令牌", "csrf_token": "0" * 40})
    assert wrong.status == 403, "a form without this session's CSRF token is refused"
    assert book.api_read("collections", f"/audit/access?case_id={cid}")["items"] == [], "and records nothing"

    page.fill("#reveal-reason", "核实借款人电话后拨打")
    with page.expect_response(lambda r: r.url.endswith(f"/cases/{cid}/reveal")) as answer:
        page.click("#reveal button[type=submit]")
    assert answer.value.request.method == "POST" and "reason=" not in answer.value.url
    assert answer.value.status == 200 and answer.value.headers["cache-control"] == "private, no-store"
    full = phone.inner_text()
    assert re.fullmatch(r"1\d{10}", full), full
    assert full[:3] == masked[:3] and full[-4:] == masked[-4:], "the same phone, in full"
    notice = page.locator("#revealed").inner_text()
    assert "记入访问审计" in notice and "核实借款人电话后拨打" in notice
    recorded = book.api_read("collections", f"/audit/access?case_id={cid}")["items"]
    assert [(r["actor"], r["reason"]) for r in recorded] == [(collector, "核实借款人电话后拨打")]

    page.goto(f"/cases/{cid}")
    assert phone.inner_text() == masked, "the page reloaded normally is masked again"
    assert full not in page.content() and page.locator("#revealed").count() == 0
    assert len(book.api_read("collections", f"/audit/access?case_id={cid}")["items"]) == 1, "nothing recorded"
    for p in book.system.processes:  # the reason is in the audit only: no request line or log of any process
        text = p.log.read_text(errors="replace")
        assert "核实借款人电话后拨打" not in text and "%E6%A0%B8%E5%AE%9E" not in text, p.service
        assert full not in text, p.service
    assert any(f"/cases/{cid}/reveal" in p.log.read_text(errors="replace") for p in book.system.processes
               if p.service == "collections"), "the request lines are logged (what is checked is there)"

    other = open_page("en", javascript=False)
    sign_in(other, "col-nobody", "collector", lang="en")
    other.goto(f"/cases/{cid}")
    other.fill("#reveal-reason", "curious")
    with other.expect_response(lambda r: r.url.endswith(f"/cases/{cid}/reveal")) as refused:
        other.click("#reveal button[type=submit]")
    assert refused.value.status == 403
    refusal = other.locator("#refusal").inner_text()
    assert "Only the case's collector, a supervisor or legal" in refusal and "reveal_not_permitted" in refusal
    assert other.locator("#point-borrower-phone td").nth(2).inner_text() == masked


def test_the_auditor_pages_through_every_record_newest_first_past_one_page(book, open_page):
    """60 more reveals on a case (more than one page of 50): the auditor walks "Older records" to the end and
    sees every service's every record once, newest first, the newest reveal at the top of the first page."""
    case = book.cases["wb-d"]
    collector, cid = case["assignee"], case["case_id"]
    token = TokenIssuer(book.system.platform.signing_key()).issue(collector, ["collector"])
    with httpx.Client(base_url=f"{book.system.urls()['collections']}/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as collections:
        for n in range(60):
            assert collections.post(f"/cases/{cid}/reveal", json={"reason": f"第 {n} 次核实"}).status_code == 200
    expected = []
    for service in ("collections", "origination", "reporting"):
        before = ""
        while True:
            answer = book.api_read(service, f"/audit/access?order=newest&limit=500{before}")
            expected += [(service, i["id"], i["at"]) for i in answer["items"]]
            if not answer["next_cursor"]:
                break
            before = f"&before={answer['next_cursor']}"
    assert len(expected) > 60

    page = open_page("en", javascript=False)
    sign_in(page, "aud-zhou", "auditor", lang="en")
    first = page.locator("#access tbody tr").first
    assert first.get_attribute("id") == f"access-collections-{max(i for s, i, _ in expected if s == 'collections')}"
    assert "第 59 次核实" in first.inner_text()
    seen = []
    while True:
        seen += [r.get_attribute("id") for r in page.locator("#access tbody tr").all()]
        if page.locator("#older").count() == 0:
            break
        assert len(seen) % 50 == 0, "a full page before the next"
        page.click("#older")
        assert page.locator("#newest").count() == 1
    assert len(seen) == len(set(seen)) == len(expected), "every record once"
    assert set(seen) == {f"access-{s}-{i}" for s, i, _ in expected}
    at = {f"access-{s}-{i}": datetime.fromisoformat(t) for s, i, t in expected}
    assert [at[r] for r in seen] == sorted(at.values(), reverse=True), "newest first across the pages"


def test_the_auditor_opens_the_case_and_the_application_a_record_names_read_only_and_masked(book, open_page):
    """From /audit the auditor follows a record to its case: the case, its contact points and its history, all
    masked, with who saw it; no reveal, no form; a forged reveal is refused and records nothing. The same for
    an application a loan officer revealed."""
    case = book.cases["wb-b"]
    collector, cid = case["assignee"], case["case_id"]
    token = TokenIssuer(book.system.platform.signing_key()).issue(collector, ["collector"])
    shown = httpx.post(f"{book.system.urls()['collections']}/v1/cases/{cid}/reveal", timeout=30,
                       json={"reason": "上门前核实地址"}, headers={"Authorization": f"Bearer {token}"})
    assert shown.status_code == 200, shown.text
    phones = [p["value"] for p in shown.json()["contact_points"] if p["kind"] == "phone"]
    full_name = shown.json()["borrower"]["name"]
    (record,) = book.api_read("collections", f"/audit/access?case_id={cid}")["items"]

    page = open_page("zh", javascript=False)
    sign_in(page, "aud-wu", "auditor")
    page.goto(f"/audit?subject={cid}")
    page.click(f'#access-collections-{record["id"]} a[href="/cases/{cid}"]')
    assert page.url.endswith(f"/cases/{cid}")
    assert "只读" in page.locator("#read-only").inner_text()
    html = page.content()
    assert phones and not [p for p in phones if p in html], "no phone in full"
    assert full_name not in html and page.locator("#h-borrower ~ dl dd").first.inner_text().endswith("**")
    assert page.locator("#point-borrower-phone td").nth(2).inner_text().count("*") == 4
    assert page.locator("#reveal, #reveal-reason").count() == 0, "no reveal"
    assert page.locator("form").count() == page.locator('form[action="/logout"]').count() == 1, "only signing out"
    assert page.locator(".timeline tbody tr").count() >= 1, "the case's history"
    assert "上门前核实地址" in page.locator(f"#access-collections-{record['id']}").inner_text()
    forged = page.request.post(f"/cases/{cid}/reveal", form={"reason": "看看", "csrf_token": csrf(page)})
    assert forged.status == 403
    acted = page.request.post(f"/cases/{cid}/contacts", form={"channel": "phone", "outcome": "no_answer",
                                                               "csrf_token": csrf(page)})
    assert acted.status == 403
    assert len(book.api_read("collections", f"/audit/access?case_id={cid}")["items"]) == 1, "nothing recorded"
    assert book.api_case(cid)["timeline"] == shown.json()["timeline"], "nothing changed on the case"

    app_id = book.api_read("origination", "/applications?limit=1")["items"][0]["id"]
    officer = TokenIssuer(book.system.platform.signing_key()).issue("cm-audit", ["client_manager"])
    opened = httpx.post(f"{book.system.urls()['origination']}/v1/applications/{app_id}/reveal", timeout=30,
                        json={"reason": "核实工作单位"}, headers={"Authorization": f"Bearer {officer}"})
    assert opened.status_code == 200, opened.text
    phone = opened.json()["applicant"]["phone"]
    page.goto(f"/audit?subject={app_id}")
    page.click(f'#access tbody tr a[href="/applications/{app_id}"]')
    assert "只读" in page.locator("#read-only").inner_text()
    assert phone not in page.content() and page.locator("#reveal-form").count() == 0
    assert page.locator("form").count() == page.locator('form[action="/logout"]').count() == 1, "only signing out"


def csrf(page) -> str:
    return page.context.request.get("/audit").text().split('name="csrf_token" value="')[1].split('"')[0]
