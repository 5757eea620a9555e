"""The reporting service fed a scripted portfolio through the real broker: every figure by hand,
before and after a full rebuild; duplicate and out-of-order delivery change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from loanflow.testing import bearer, eventually, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.rebuild import rebuild
from shared.contracts import CloudEvent
from tests.reporting.figures import assert_story_figures
from tests.reporting.helpers import READER, all_reports, handled, publish, publish_raw, scrambled
from tests.reporting.story import scripted_portfolio

pytestmark = pytest.mark.integration


async def test_a_scripted_portfolio_reports_hand_computed_figures_before_and_after_a_rebuild(
        platform, _drop_platform_dbs):
    story = scripted_portfolio()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, story.events)
        await eventually(lambda: _all_handled(app, len(story.events)), timeout=60)
        headers = bearer(app, *READER)
        before = await all_reports(client, headers)
        assert_story_figures(before)

        counted: list[int] = []
        result = await rebuild(platform, ReportingSettings(), source="topics", progress=counted.append)
        assert result["events_read"] == len(story.events) and result["events_applied"] == len(story.events)
        assert counted and counted[-1] == len(story.events)
        after = await all_reports(client, headers)
        assert after == before


async def test_duplicate_and_out_of_order_delivery_leave_every_report_unchanged(platform, _drop_platform_dbs):
    story = scripted_portfolio()
    # a newer publisher: an event type this service does not know, fields it does not know, and a
    # record that is not a CloudEvent at all
    at, (service, payment) = next((i, se) for i, se in enumerate(story.events) if se[1].type == "loan.payment.received")
    story.events[at] = (service, payment.model_copy(update={"data": {**payment.data, "channel": "wechat"}}))
    newer = [("collections", CloudEvent(source="collections", type="collections.visit.planned", subject="L05",
                                        data={"loan_id": "L05", "case_id": "C05"}, correlationid="c",
                                        businessdate=date(2026, 5, 24)))]
    delivered = scrambled(story.events) + newer
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, delivered)
        await publish_raw(platform, "servicing", b"not a cloudevent", key=b"L05")
        await eventually(lambda: _all_handled(app, len(story.events) + 1), timeout=60)
        headers = bearer(app, *READER)
        reports = await all_reports(client, headers)
        assert_story_figures(reports)
        timeline = await client.get("/v1/loans/L05/timeline?limit=500", headers=headers)
        assert timeline.json()["items"][-1]["type"] == "collections.visit.planned"

        result = await rebuild(platform, ReportingSettings(), source="topics")
        assert result["events_read"] == len(delivered)
        assert result["events_applied"] == len(story.events) + 1
        assert await all_reports(client, headers) == reports


async def test_reports_export_as_csv_and_need_the_reporting_role(platform, _drop_platform_dbs):
    story = scripted_portfolio()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish(platform, story.events)
        await eventually(lambda: _all_handled(app, len(story.events)), timeout=60)
        headers = bearer(app, *READER)
        by_param = await client.get("/v1/reports/portfolio?as_of=2026-05-25&format=csv", headers=headers)
        assert by_param.status_code == 200 and by_param.headers["content-type"].startswith("text/csv")
        lines = by_param.text.splitlines()
        assert lines[0] == "metric,value"
        assert "outstanding_principal,98000.00" in lines and "matured.collection_rate,0.8058" in lines
        by_accept = await client.get("/v1/reports/delinquency?as_of=2026-05-25",
                                     headers={**headers, "Accept": "text/csv"})
        assert "npl.ratio,0.2041" in by_accept.text.splitlines()
        collections = await client.get("/v1/reports/collections?from=2026-02-01&to=2026-05-31&format=csv",
                                       headers=headers)
        assert "promise_kept_rate,0.3333" in collections.text.splitlines()
        timeline = await client.get("/v1/loans/L08/timeline?format=csv&limit=500", headers=headers)
        rows = timeline.text.splitlines()
        assert rows[0].startswith("businessdate,time,source,type")
        assert len(rows) == 1 + 14  # disbursed, schedule, 4 payments, missed, 7 collections events

        assert (await client.get("/v1/reports/portfolio")).status_code == 401
        wrong = await client.get("/v1/reports/portfolio", headers=bearer(app, "bob", "collector"))
        assert wrong.status_code == 403
        admin = await client.get("/v1/reports/portfolio", headers=bearer(app, "root", "admin"))
        assert admin.json()["as_of"] == "2026-05-23"  # the latest business date any event carried
        bad = await client.get("/v1/reports/collections?from=2026-05-31&to=2026-05-01", headers=headers)
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_period"
        assert (await client.get("/v1/reports/portfolio?as_of=yesterday", headers=headers)).status_code == 422
        first_month = await client.get("/v1/reports/delinquency?as_of=0001-01-15", headers=headers)  # no month before
        assert first_month.status_code == 422 and first_month.json()["error"]["code"] == "as_of_out_of_range"
        assert (await client.get("/v1/loans/NOPE/timeline", headers=headers)).status_code == 404
        nul = await client.get("/v1/loans/L01%00/timeline", headers=headers)  # PostgreSQL cannot hold U+0000
        assert nul.status_code == 422 and nul.json()["error"]["code"] == "invalid_text"
        assert "/v1/reports/delinquency" in (await client.get("/openapi.json")).json()["paths"]
        first = (await client.get("/v1/reports/loan-book?as_of=2026-05-25&limit=5", headers=headers)).json()
        second = (await client.get(f"/v1/reports/loan-book?as_of=2026-05-25&limit=5&cursor={first['next_cursor']}",
                                   headers=headers)).json()
        assert [i["loan_id"] for i in first["items"] + second["items"]] == [f"L{i:02d}" for i in range(1, 11)]
        book_csv = await client.get("/v1/reports/loan-book?as_of=2026-05-25&format=csv", headers=headers)
        assert len(book_csv.text.splitlines()) == 1 + 12 and "13800000009" not in book_csv.text
        page = await client.get("/v1/loans/L08/timeline?limit=10", headers=headers)
        rest = await client.get(f"/v1/loans/L08/timeline?limit=10&cursor={page.json()['next_cursor']}",
                                headers=headers)
        assert len(page.json()["items"]) == 10 and len(rest.json()["items"]) == 4
        assert rest.json()["next_cursor"] is None
        for cursor in ("abc", "-1", "\u0661\u0662", "9" * 30):  # the shared cursor rule: ASCII digits within bigint
            refused = await client.get("/v1/loans/L08/timeline", params={"cursor": cursor}, headers=headers)
            assert refused.status_code == 400 and refused.json()["error"]["code"] == "bad_cursor", cursor


async def _all_handled(app, count: int) -> bool:
    return await handled(app) >= count
