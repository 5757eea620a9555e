"""The case page's reveal of contact points (issue 16), in-process: collections' `GET /v1/cases/{id}` (masked)
and `POST /v1/cases/{id}/reveal {reason}` (unmasked) are answered through a mock transport, refusing as the
API does (403 `reveal_not_permitted` to someone else's collector, 422 `reason_required` without a reason).
The page's reveal is a POST with the session's CSRF token: the reason is in no URL, on either hop.
The real services: tests/workbench/browser/test_access_audit.py."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from services.workbench.adapters.api import Api
from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from shared.config import PlatformSettings

URLS = {s: f"http://{s}.test" for s in ("origination", "servicing", "collections", "reporting")}
PHONE, WORK = "13814916179", "13600000135"


def point(point_id: str, relation: str, value: str) -> dict:
    return {"point_id": point_id, "kind": "phone", "relation": relation, "source": "origination", "value": value,
            "status": "unknown", "status_reason": None}


def the_case(revealed: bool) -> dict:
    """The case as collections shows it: its contact points masked unless revealed; the guarantor's
    phone is erased (the borrower's data key destroyed) either way."""
    shown = (lambda v: v) if revealed else (lambda v: v[:3] + "****" + v[-4:])
    return {
        "case_id": "case-L1-E1", "loan_id": "L1", "status": "open", "stage": "early", "queue": "early",
        "assignee": "col-li", "days_past_due": 12, "amount_owed": "1200.00", "disputed": False,
        "special_status": None, "special_path": None, "resolution": None, "broken_promises": 0,
        "write_off_proposed": False, "write_off_decided": False, "promises": [], "tactics": [], "letters": [],
        "placements": [], "arrangements": [], "complaints": [], "timeline": [],
        "legal": {"referred": False, "actions": []},
        "statute": {"runs_from": "2026-11-25", "expires_on": "2029-11-25", "warned": False, "expired": False,
                    "legal_action_allowed": True},
        "borrower": {"name": "罗洋敏", "phone": PHONE, "id_number_masked": "110105********2356"},
        "trace_contacts": [],
        "contact_points": [point("borrower-phone", "borrower", shown(PHONE)), point("work-phone", "work", shown(WORK)),
                           point("guarantor-phone", "guarantor", "erased")],
    }


@pytest.fixture
def app(tmp_path: Path):
    asked: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        service, path = request.url.host.split(".")[0], request.url.path
        if service == "collections" and path == "/v1/cases/case-L1-E1" and request.method == "GET":
            return httpx.Response(200, json=the_case(revealed=False))
        if service != "collections" or path != "/v1/cases/case-L1-E1/reveal" or request.method != "POST":
            return httpx.Response(403, json={"error": {"code": "missing_role", "message": "not in this test"}})
        if not json.loads(request.content).get("reason", "").strip():
            return httpx.Response(422, json={"error": {"code": "reason_required",
                                                       "message": "revealing personal data needs a reason"}})
        who = jwt.decode(request.headers["authorization"].removeprefix("Bearer "), options={"verify_signature": False})
        if who["sub"] != "col-li":  # not the case's collector (this test signs in no supervisor or legal)
            return httpx.Response(403, json={"error": {
                "code": "reveal_not_permitted",
                "message": "personal data on a case is revealed to its collector, a supervisor or legal"}})
        return httpx.Response(200, json=the_case(revealed=True))

    api = Api(URLS, transport=httpx.MockTransport(answer))
    settings = WorkbenchSettings(**{f"{s}_url": u for s, u in URLS.items()})
    client = TestClient(create_app(settings, PlatformSettings(home=tmp_path, env="test"), api=api))
    return client, asked


def sign_in(client: TestClient, user: str, role: str, lang: str) -> None:
    client.get("/dev-login", params={"user": user, "role": role, "lang": lang}, follow_redirects=False)


def points_card(html: str) -> str:
    return html.split('id="points-card"')[1].split("</section>")[0]


def csrf_of(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_case_page_is_masked_with_a_reveal_form_asking_why(app):
    client, asked = app
    sign_in(client, "col-li", "collector", "en")
    page = client.get("/cases/case-L1-E1")
    assert page.status_code == 200, page.text
    card = points_card(page.text)
    assert "138****6179" in card and PHONE not in card and WORK not in card
    form = card.split('<form method="post" action="/cases/case-L1-E1/reveal"')[1].split("</form>")[0]
    assert f'name="csrf_token" value="{csrf_of(page.text)}"' in form
    assert 'name="reason" required' in form and ">Reveal</button>" in form
    assert "no-store" not in page.headers.get("cache-control", ""), "the masked page is cached as any other"
    assert all(r.method == "GET" and "reveal" not in r.url.path for r in asked)


def test_a_reveal_with_a_reason_shows_the_full_phones_once_never_cached_the_reason_in_no_url_or_log(app, caplog):
    client, asked = app
    sign_in(client, "col-li", "collector", "zh")
    token = csrf_of(client.get("/cases/case-L1-E1").text)
    with caplog.at_level(logging.DEBUG):
        page = client.post("/cases/case-L1-E1/reveal", data={"csrf_token": token, "reason": "打单位电话"})
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "private, no-store"
    card = points_card(page.text)
    assert PHONE in card and WORK in card and "138****6179" not in card
    assert "已显示完整信息，已连同事由记入访问审计：打单位电话" in card
    assert '<span class="muted erased">已删除</span>' in card, "an erased value shows as erased"
    assert 'action="/cases/case-L1-E1/reveal"' not in card, "no second reveal form"
    reveal = next(r for r in asked if r.url.path.endswith("/reveal"))
    assert reveal.method == "POST" and json.loads(reveal.content) == {"reason": "打单位电话"}
    assert all("打单位电话" not in str(r.url) and "%E6%89%93" not in str(r.url) for r in asked), "no reason in a URL"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "打单位电话" not in logged and PHONE not in logged, logged
    assert PHONE not in "".join(client.cookies.values()), "nothing unmasked is kept in the session"
    again = client.get("/cases/case-L1-E1")
    assert PHONE not in points_card(again.text) and "138****6179" in points_card(again.text)
    link = client.get("/cases/case-L1-E1/reveal?reveal=true&reason=x", follow_redirects=False)
    assert link.status_code == 303 and link.headers["location"].startswith("/cases/case-L1-E1?")
    old_link = client.get("/cases/case-L1-E1", params={"reveal": "true", "reason": "打单位电话"})
    assert PHONE not in old_link.text, "the old GET form of a reveal shows the masked page"
    assert sum(1 for r in asked if r.url.path.endswith("/reveal")) == 1


def test_a_reveal_without_this_sessions_csrf_token_is_refused_and_asks_nothing(app):
    client, asked = app
    sign_in(client, "col-li", "collector", "en")
    client.get("/cases/case-L1-E1")
    for data in ({"reason": "no token"}, {"reason": "a wrong token", "csrf_token": "0" * 40}):
        refused = client.post("/cases/case-L1-E1/reveal", data=data)
        assert refused.status_code == 403, refused.text
        assert PHONE not in refused.text
    assert not any(r.url.path.endswith("/reveal") for r in asked), "collections was never asked: nothing recorded"


def test_a_refused_reveal_shows_the_masked_page_with_the_rule(app):
    client, _ = app
    sign_in(client, "col-wang", "collector", "en")
    token = csrf_of(client.get("/cases/case-L1-E1").text)
    refused = client.post("/cases/case-L1-E1/reveal", data={"csrf_token": token, "reason": "as someone else"})
    assert refused.status_code == 403
    assert refused.headers["cache-control"] == "private, no-store"
    assert "Only the case&#39;s collector, a supervisor or legal may see its contact points unmasked" in \
        refused.text
    assert "reveal_not_permitted" in refused.text and PHONE not in refused.text
    card = points_card(refused.text)
    assert "138****6179" in card and 'class="reveal filters failed"' in card and 'value="as someone else"' in card
    no_reason = client.post("/cases/case-L1-E1/reveal", data={"csrf_token": token, "reason": " "})
    assert no_reason.status_code == 422
    assert "Say why you need to see the personal data" in no_reason.text and "reason_required" in no_reason.text
    assert PHONE not in no_reason.text
