"""/reports/arms: the champion/challenger page, in-process. Reporting's answer is its own pure report
(`policy_arms_report` through the route's response model) served by a mock transport; the rows,
the chart and the filter are checked in both languages. The real services: tests/workbench/browser."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from services.reporting.domain.arms import ArmCase, policy_arms_report
from services.reporting.entrypoints.api.arms_public import PolicyArmsPublic
from services.workbench.adapters.api import Api
from services.workbench.bootstrap import create_app
from services.workbench.config import WorkbenchSettings
from services.workbench.domain.arms import arm_rows, rate_groups
from services.workbench.domain.svg import interval_chart
from shared.config import PlatformSettings

URLS = {s: f"http://{s}.test" for s in ("origination", "servicing", "collections", "reporting")}
SVG = "{http://www.w3.org/2000/svg}"


def cohort() -> list[ArmCase]:
    """40 champion cases (10 cured, 30 rolled) and 20 challenger (12 cured): recovered, contacts, promises."""
    cases = [ArmCase(f"A{n}", "champion", n < 10, n >= 10, Decimal("100.00") if n < 10 else Decimal(0),
                     2 + n % 3, 1 if n < 5 else 0, 2 if n < 20 else 0) for n in range(40)]
    cases += [ArmCase(f"B{n}", "challenger", n < 12, n >= 16, Decimal("250.50") if n < 12 else Decimal(0),
                      4 + n % 2, 1 if n < 8 else 0, 1 if n < 10 else 0) for n in range(20)]
    return cases


def answer(start: str, end: str) -> dict:
    report = {"from": start, "to": end, **policy_arms_report(cohort())}
    return json.loads(PolicyArmsPublic.model_validate(report).model_dump_json(by_alias=True, exclude_unset=True))


@pytest.fixture
def app(tmp_path: Path):
    asked: list[httpx.Request] = []

    def reporting(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        assert request.url.path == "/v1/reports/policy-arms"
        if request.url.params.get("from") == "2026-05-01" and request.url.params.get("to") == "2026-04-01":
            return httpx.Response(400, json={"error": {"code": "bad_period", "message": "from after to"}})
        return httpx.Response(200, json=answer(request.url.params.get("from", "2026-04-01"),
                                               request.url.params.get("to", "2026-04-30")))

    api = Api(URLS, transport=httpx.MockTransport(reporting))
    settings = WorkbenchSettings(**{f"{s}_url": u for s, u in URLS.items()})
    client = TestClient(create_app(settings, PlatformSettings(home=tmp_path, env="test"), api=api))
    return client, asked


def sign_in(client: TestClient, role: str, lang: str) -> None:
    client.get("/dev-login", params={"user": "sup-wu", "role": role, "lang": lang}, follow_redirects=False)


def test_a_supervisor_sees_each_arm_with_its_intervals_and_the_difference_in_chinese(app):
    client, asked = app
    sign_in(client, "collections_supervisor", "zh")
    page = client.get("/reports/arms", params={"from": "2026-04-01", "to": "2026-04-30"})
    assert page.status_code == 200, page.text
    assert dict(asked[-1].url.params) == {"from": "2026-04-01", "to": "2026-04-30"}, "the filter reaches reporting"
    html = page.text
    assert '<a href="/reports/arms" aria-current="page"' in html, "in the supervisor's navigation, as the page"
    assert '<a href="/reports" aria-current' not in html, "the reports item is not the current page too"
    cure = row(html, "cure_rate")
    # champion 10/40 = 25.0% (Wilson 14.2% – 40.2%); challenger 12/20 = 60.0% (38.7% – 78.1%)
    assert "25.0%" in cure and "(10/40)" in cure and "95%：14.2% – 40.2%" in cure
    assert "60.0%" in cure and "(12/20)" in cure and "95%：38.7% – 78.1%" in cure
    assert "+35.0 个百分点" in cure and "挑战策略更高" in cure, "Newcombe's interval excludes 0"
    per_case = row(html, "recovered_per_case")
    assert "¥25.00" in per_case and "¥150.30" in per_case and "95%：" in per_case
    assert "每案联系次数" in row(html, "contacts_per_case") and "4.5" in row(html, "contacts_per_case")
    assert "(5/40)" in row(html, "promise_kept_rate") and "(8/10)" in row(html, "promise_kept_rate")
    svg = ET.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])
    assert len(svg.findall(f".//{SVG}rect")) == 6 and len(svg.findall(f".//{SVG}path")) == 6, \
        "three rates, two arms each, each with its whisker"


def test_the_same_page_in_english_and_a_refused_period_shows_the_refusal(app):
    client, _ = app
    sign_in(client, "reporting", "en")
    html = client.get("/reports/arms").text
    assert "Champion" in html and "Challenger higher" in html and "95%: 14.2% – 40.2%" in html
    assert "+35.0 pp" in row(html, "cure_rate")
    refused = client.get("/reports/arms", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert refused.status_code == 400 and "from after to" in refused.text


def row(html: str, metric: str) -> str:
    start = html.index(f'id="arm-{metric}"')
    return html[start:html.index("</tr>", start)]


def test_verdicts_read_the_differences_interval_and_an_empty_arm_has_none():
    rows = {r.metric: r for r in arm_rows(answer("2026-04-01", "2026-04-30"))}
    assert rows["cure_rate"].verdict == "higher" and rows["roll_rate"].verdict == "lower"
    assert rows["cases"].verdict == "none" and rows["recovered"].difference is None
    empty = arm_rows(json.loads(PolicyArmsPublic.model_validate(
        {"from": date(2026, 4, 1), "to": date(2026, 4, 30), **policy_arms_report(cohort()[:40])}
    ).model_dump_json(by_alias=True)))
    assert {r.verdict for r in empty} == {"none"}
    groups = rate_groups(empty, str, str, str)
    assert [len(estimates) for _, estimates in groups] == [1, 1, 1], "the challenger without cases has no bar"
    assert "<rect" not in interval_chart([("a", [])], "t", "nothing")
    assert "nothing" in interval_chart([], "t", "nothing")
