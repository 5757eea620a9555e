"""In a real browser on the running system (issue 16, call quality): a collector's calls carry recording
references; once their week is over, role qa opens /qa (its home), sees the week's sample with the
recording, scores a call failing "no threat or abuse" (a finding that requires coaching); the collector
acknowledges it from /queue; a supervisor reads QA reviewed and findings per collector on /reports."""

from __future__ import annotations

import hashlib
import time
from datetime import date, timedelta

import httpx
import pytest

from shared.auth import TokenIssuer

pytestmark = pytest.mark.e2e


def sign_in(page, user: str, *roles: str, lang: str = "zh") -> None:
    query = "&".join(f"role={r}" for r in roles)
    page.goto(f"/dev-login?user={user}&{query}&lang={lang}")


def call(book, method: str, service: str, path: str, who: tuple[str, ...], **kw) -> httpx.Response:
    """The API as `who` (plain httpx: Playwright owns the loop)."""
    token = TokenIssuer(book.system.platform.signing_key()).issue(who[0], list(who[1:]))
    return httpx.request(method, f"{book.system.urls()[service]}/v1{path}", timeout=30,
                         headers={"Authorization": f"Bearer {token}"}, **kw)


def advance(book, to: date) -> None:
    """Servicing's business date to `to` (a long advance is a job: followed until done)."""
    answer = call(book, "POST", "servicing", "/business-date/advance", ("ops", "admin"), json={"to": to.isoformat()})
    assert answer.status_code in (200, 202), answer.text
    if answer.status_code == 202:
        job, deadline = answer.json()["job_id"], time.monotonic() + 300
        while (state := call(book, "GET", "servicing", f"/business-date/jobs/{job}", ("ops", "admin")).json()
               )["status"] != "done":
            assert state["status"] == "running" and time.monotonic() < deadline, state
            time.sleep(0.5)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def test_qa_scores_a_sampled_call_the_collector_acknowledges_it_and_the_report_counts_it(book, open_page):
    case = book.cases["wb-b"]
    collector, cid = case["assignee"], case["case_id"]
    sha = hashlib.sha256(b"wb-b call").hexdigest()
    logged = call(book, "POST", "collections", f"/cases/{cid}/contacts", (collector, "collector"), json={
        "channel": "phone", "outcome": "right_party_contact",
        "recording": {"uri": "https://media.example.com/calls/wb-b-1.wav", "duration_s": "184.5", "sha256": sha}})
    assert logged.status_code == 201, logged.text
    contacted_on = date.fromisoformat(logged.json()["last_contact_on"])
    week = iso_week(contacted_on)
    monday = contacted_on + timedelta(days=7 - contacted_on.weekday())
    advance(book, monday)

    deadline = time.monotonic() + 60
    while True:  # collections sees the new business date through servicing's day-close events
        answer = call(book, "GET", "collections", "/qa/sample", ("sup-wu", "collections_supervisor"),
                      params={"week": week})
        if answer.status_code == 200:
            sample = answer.json()
            break
        assert answer.json()["error"]["code"] == "week_not_over" and time.monotonic() < deadline, answer.text
        time.sleep(0.5)
    [contact_id] = sample["sample"][collector]
    assert sample["population"] == {collector: [contact_id]}

    page = open_page("zh", javascript=False)
    sign_in(page, "qa-wu", "qa")
    assert page.url.split("?")[0].endswith("/qa"), "qa's home is the QA page"
    assert page.locator("h1").inner_text() == f"通话质检：{week} 周"
    item = page.locator(f"#contact-{contact_id}")
    assert "https://media.example.com/calls/wb-b-1.wav" in item.inner_text() and sha in item.inner_text()
    assert page.locator("nav >> text=我的队列").count() == 0, "qa works no queue"
    form = page.locator(f"#review-{contact_id}")
    form.locator('select[name="scores.no_threat_or_abuse"]').select_option("fail")
    form.locator('textarea[name="note"]').fill("通话中语气威胁")
    form.locator("button[type=submit]").click()
    assert "质检评分已记录。" in page.locator(".notice").inner_text()
    assert "不合格" in page.locator(f"#contact-{contact_id} .scorecard").inner_text()
    findings = page.locator("#findings").inner_text()
    assert "无威胁、辱骂" in findings and "等待催收员确认" in findings

    mine = open_page("zh", javascript=False)
    sign_in(mine, collector, "collector")
    card = mine.locator("#qa-findings")
    assert "无威胁、辱骂" in card.inner_text() and "qa-wu" in card.inner_text()
    card.locator("input[name=note]").fill("已参加辅导")
    card.locator("button[type=submit]").click()
    assert "质检问题已确认。" in mine.locator("#qa-findings .notice").inner_text()
    assert "没有待您确认的质检问题。" in mine.locator("#qa-findings").inner_text()
    page.reload()
    assert "已于" in page.locator("#findings").inner_text(), "the QA page shows the acknowledgement"

    path = f"/reports/collections?from=2026-03-01&to={monday.isoformat()}"
    deadline = time.monotonic() + 60
    while not book.api_read("reporting", path)["collectors"].get(collector, {}).get("qa_findings"):
        assert time.monotonic() < deadline, "reporting never counted the review"
        time.sleep(0.5)
    sup = open_page("en", javascript=False)
    sign_in(sup, "mgr-li", "reporting", lang="en")
    sup.goto(f"/reports?from=2026-03-01&to={monday.isoformat()}")
    table = sup.locator("section[aria-labelledby=h-collectors]")
    assert "QA reviewed" in table.inner_text() and "QA findings" in table.inner_text()
    cells = table.locator("tr", has=sup.locator(f'th:text-is("{collector}")')).locator("td").all_inner_texts()
    assert [c.strip() for c in cells[-2:]] == ["1", "1"], cells
