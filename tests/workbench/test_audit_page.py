"""/audit: who saw what (issue 16), in-process. The three services' `GET /v1/audit/access` answers come
from their own response model (`AccessPage`) through a mock transport; the merge (newest first), the
filters reaching every service, the nav item and the refusal for other roles are checked.
The real services: tests/workbench/browser/test_access_audit.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.workbench.adapters.api import Api
from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from services.workbench.domain.audit import END, filters, merge_page, merged, parse_position, position_query
from shared.access_audit import AccessPage
from shared.config import PlatformSettings

URLS = {s: f"http://{s}.test" for s in ("origination", "servicing", "collections", "reporting")}


def record(seq: int, at: str, actor: str, roles: list[str], subject_type: str, subject_id: str, reason: str) -> dict:
    return {"id": seq, "at": at, "actor": actor, "roles": roles, "subject_type": subject_type,
            "subject_id": subject_id, "reason": reason}


RECORDS = {
    "collections": [record(1, "2026-04-02T01:00:00+00:00", "col-li", ["collector"], "case", "case-A-E1",
                           "calling the borrower's work number"),
                    record(2, "2026-04-03T02:30:00+00:00", "col-li", ["collector"], "case", "case-B-E1",
                           "field visit address")],
    "origination": [record(1, "2026-04-02T09:00:00+00:00", "cm-zhao", ["client_manager"], "application", "app-7",
                           "calling the three contacts")],
    "reporting": [record(1, "2026-04-01T00:00:00+00:00", "rep-qian", ["reporting"], "export",
                         "loan-book:2026-03-31", "regulator's request")],
}


@pytest.fixture
def app(tmp_path: Path):
    asked: list[httpx.Request] = []
    down: set[str] = set()

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        assert request.url.path == "/v1/audit/access"
        service = request.url.host.split(".")[0]
        if service in down:
            return httpx.Response(503, json={"error": {"code": "service_unavailable", "message": "starting"}})
        params = request.url.params
        assert params["order"] == "newest"
        subject, actor = params.get("subject_id"), params.get("actor")
        before, limit = int(params.get("before", 2**62)), int(params["limit"])
        items = sorted((r for r in client.records[service] if subject in (None, r["subject_id"])
                        and actor in (None, r["actor"]) and r["id"] < before), key=lambda r: -r["id"])[:limit]
        more = len(items) == limit
        body = AccessPage.model_validate({"items": items, "next_cursor": str(items[-1]["id"]) if more else None})
        return httpx.Response(200, json=body.model_dump(mode="json"))

    api = Api(URLS, transport=httpx.MockTransport(answer))
    settings = WorkbenchSettings(**{f"{s}_url": u for s, u in URLS.items()})
    client = TestClient(create_app(settings, PlatformSettings(home=tmp_path, env="test"), api=api))
    client.down = down
    client.records = RECORDS
    return client, asked


def sign_in(client: TestClient, user: str, role: str, lang: str) -> None:
    client.get("/dev-login", params={"user": user, "role": role, "lang": lang}, follow_redirects=False)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="access-([a-z]+-\d+)"', html)


def test_the_three_services_records_merge_newest_first():
    merged_rows = merged(RECORDS)
    assert [(a.service, a.seq) for a in merged_rows] == [
        ("collections", 2), ("origination", 1), ("collections", 1), ("reporting", 1)]
    assert merged_rows[0].at == datetime(2026, 4, 3, 2, 30, tzinfo=UTC)
    assert [a.href for a in merged_rows] == ["/cases/case-B-E1", "/applications/app-7", "/cases/case-A-E1", None]
    assert filters({"subject": " app-7 ", "person": ""}) == {"subject_id": "app-7"}
    assert filters({"subject": "x' OR 1=1", "person": "col-li"}) == {"actor": "col-li"}, "a malformed id is no filter"


def test_an_auditor_sees_who_saw_what_newest_first_in_chinese(app):
    client, asked = app
    sign_in(client, "aud-sun", "auditor", "zh")
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/audit", "the auditor's home is the access audit"
    page = client.get("/audit")
    assert page.status_code == 200, page.text
    html = page.text
    assert sorted(r.url.host for r in asked) == ["collections.test", "origination.test", "reporting.test"]
    assert '<a href="/audit" aria-current="page"' in html and "访问审计" in html
    assert rows(html) == ["collections-2", "origination-1", "collections-1", "reporting-1"]
    first = html.split('<tr id="access-collections-2">')[1].split("</tr>")[0]
    assert "2026/4/3 10:30" in first, "in the workbench's time zone"
    assert "col-li" in first and "collector" in first and "field visit address" in first
    assert "联系方式：电话和地址" in first and 'href="/cases/case-B-E1"' in first
    export = html.split('<tr id="access-reporting-1">')[1].split("</tr>")[0]
    assert "导出" in export and "loan-book:2026-03-31" in export and "导出文件中的借款人姓名" in export
    assert "4 条访问记录" in html


def test_the_filters_reach_every_service_and_an_admin_reads_it_in_english(app):
    client, asked = app
    sign_in(client, "ops", "admin", "en")
    page = client.get("/audit", params={"subject": "app-7", "person": "cm-zhao"})
    assert page.status_code == 200
    assert all(dict(r.url.params) == {"subject_id": "app-7", "actor": "cm-zhao", "limit": "50", "order": "newest"}
               for r in asked)
    assert rows(page.text) == ["origination-1"]
    assert "ID number, phones and addresses" in page.text and "calling the three contacts" in page.text
    assert 'value="app-7"' in page.text and 'value="cm-zhao"' in page.text
    none = client.get("/audit", params={"person": "nobody"})
    assert rows(none.text) == [] and "No personal data was revealed that matches." in none.text


def test_a_service_that_is_down_is_shown_in_place_and_the_others_still_list(app):
    client, _ = app
    sign_in(client, "aud-sun", "auditor", "en")
    client.down.add("reporting")
    page = client.get("/audit")
    assert page.status_code == 200
    assert rows(page.text) == ["collections-2", "origination-1", "collections-1"]
    assert "A service is not reachable right now" in page.text and "reporting 503" in page.text


def test_other_roles_are_refused_without_asking_the_services_and_see_no_nav_item(app):
    client, asked = app
    sign_in(client, "col-li", "collector", "en")
    refused = client.get("/audit")
    assert refused.status_code == 403
    assert "Your role does not allow this" in refused.text and "missing_role" in refused.text
    assert asked == [], "the services are not asked"
    assert 'href="/audit"' not in refused.text, "no nav item for a collector"


def many(service: str, n: int, start: datetime, step_minutes: int) -> list[dict]:
    """`n` records of one service, one every `step_minutes` from `start` (ids 1..n in time order)."""
    return [record(i + 1, (start + timedelta(minutes=i * step_minutes)).isoformat(), f"{service[:3]}-{i % 4}",
                   ["auditor"], "case", f"{service}-{i + 1}", f"reason {i + 1}") for i in range(n)]


def test_pages_of_the_merged_streams_continue_each_service_where_the_last_page_stopped():
    """Three streams interleaved in time, three records a page: walking the pages gives every record once,
    newest first, the position carrying each service's last record shown."""
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    streams = {"collections": many("collections", 7, t0, 10), "origination": many("origination", 2, t0, 25),
               "reporting": many("reporting", 4, t0 + timedelta(minutes=3), 7)}
    everything = [(a.service, a.seq) for a in merged(streams)]
    position, shown = parse_position(None), []
    for _ in range(10):
        answers = {s: sorted((r for r in streams[s] if position[s] is None or r["id"] < position[s]),
                             key=lambda r: -r["id"])[:3] for s in streams if position[s] != END}
        more = {s: len([r for r in streams[s] if position[s] is None or r["id"] < position[s]]) > 3 for s in answers}
        rows, nxt = merge_page(position, answers, more, per_page=3)
        assert len(rows) == 3 or nxt is None
        shown += [(a.service, a.seq) for a in rows]
        if nxt is None:
            break
        position = parse_position(position_query(nxt))  # through the link
    assert shown == everything and len(shown) == 13
    assert parse_position("collections:12,origination:end,reporting:x") == {
        "collections": 12, "origination": END, "reporting": None}


def test_the_audit_page_walks_every_record_newest_first_without_a_cap(app):
    """120 + 45 + 30 records in the services: pages of 50 linked by "Older records", each record once."""
    client, asked = app
    t0 = datetime(2026, 4, 1, tzinfo=UTC)
    client.records = {"collections": many("collections", 120, t0, 3), "origination": many("origination", 45, t0, 7),
                      "reporting": many("reporting", 30, t0 + timedelta(minutes=1), 11)}
    expected = [f"{a.service}-{a.seq}" for a in merged(client.records)]
    sign_in(client, "aud-sun", "auditor", "en")
    href, seen, pages = "/audit", [], 0
    while href:
        page = client.get(href)
        assert page.status_code == 200, page.text
        seen += rows(page.text)
        pages += 1
        found = re.search(r'<a href="([^"]+)" id="older"', page.text)
        href = found.group(1).replace("&amp;", "&") if found else None
        assert pages == 1 or 'id="newest"' in page.text
    assert seen == expected and len(seen) == 195 and pages == 4
    assert all(int(r.url.params["limit"]) == 50 for r in asked)
    narrowed = client.get("/audit", params={"person": "ori-1"})
    assert rows(narrowed.text) == [f"origination-{n}" for n in range(42, 0, -4)]
    assert 'id="older"' not in narrowed.text
