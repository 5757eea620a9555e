"""In a real browser on the running system (issue 16, who saw what): a collector reveals a case's contact
points with a reason (collections records it); the auditor, whose home is /audit, sees that record with
its person, role, case, fields and reason, filters by the case, and a collector is refused the page."""

from __future__ import annotations

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
