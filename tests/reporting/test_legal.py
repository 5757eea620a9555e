"""Issue 15's legal figures in the collections report: cases per stage of proceedings, steps, costs, what legal
recovered, closed by outcome — by hand, live and rebuilt (the same figures from the topics)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanflow.testing import bearer, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.domain.legal import LegalStep, legal_figures, standing
from services.reporting.rebuild import rebuild
from tests.reporting.helpers import READER, publish_and_wait
from tests.reporting.legal_story import legal_story

D = date


def s(kind: str, day: int, **kw: object) -> LegalStep:
    return LegalStep("C1", D(2026, 3, day), day, kind, D(2026, 3, day), **kw)  # type: ignore[arg-type]


def test_a_case_stands_at_its_latest_step_and_a_time_bar_lapses_only_a_referral():
    assert standing([]) is None
    assert standing([s("referral", 1), s("filing", 2), s("payment_order", 3)]) == "payment_order"
    assert standing([s("referral", 1), s("time_barred", 2)]) is None
    assert standing([s("referral", 1), s("filing", 2), s("time_barred", 3)]) == "filed"
    assert standing([s("police_report", 1)]) is None
    assert standing([s("referral", 1), s("police_report", 2)]) == "referred"
    assert standing([s("police_referral", 1), s("police_report", 2)]) is None


def test_figures_count_the_period_s_steps_and_the_standing_at_its_end():
    steps = [s("referral", 1), s("filing", 2, cost=Decimal("25.00")), s("closed", 9, outcome="settled",
                                                                       amount=Decimal("100.50"))]
    march_1_to_5 = legal_figures(steps, D(2026, 3, 1), D(2026, 3, 5))
    assert march_1_to_5["cases"]["filed"] == 1 and march_1_to_5["costs"] == Decimal("25.00")
    assert (march_1_to_5["referrals"], march_1_to_5["filings"], march_1_to_5["closed"]) == (1, 1, 0)
    later = legal_figures(steps, D(2026, 3, 6), D(2026, 3, 31))
    assert later["cases"] == {"referred": 0, "filed": 0, "payment_order": 0, "judgment": 0, "enforcement": 0,
                              "closed": 1}
    assert (later["filings"], later["closed"], later["recovered"], later["costs"]) == (0, 1, Decimal("100.50"),
                                                                                       Decimal("0"))
    assert later["closed_by_outcome"]["settled"] == 1 and later["closed_by_outcome"]["recovered"] == 0


@pytest.mark.integration
async def test_the_collections_report_shows_legal_live_and_rebuilt_and_the_timeline_the_steps(
        platform, _drop_platform_dbs):
    story = legal_story()
    settings = ReportingSettings()
    app = create_app(settings, platform)
    async with running(app) as client:
        await publish_and_wait(platform, app, story.events)
        url = "/v1/reports/collections?from=2026-03-01&to=2026-03-31"
        march = (await client.get(url, headers=bearer(app, *READER))).json()
        assert march["legal"] == {
            "cases": {"referred": 0, "filed": 0, "payment_order": 0, "judgment": 1, "enforcement": 0, "closed": 2},
            "referrals": 2, "filings": 2, "payment_orders": 1, "judgments": 1, "enforcements": 1,
            "police_reports": 1, "closed": 2, "costs": "1409.66", "recovered": "6000.00",
            "closed_by_outcome": {"recovered": 1, "settled": 0, "withdrawn": 1, "dismissed": 0, "unrecoverable": 0}}
        february = (await client.get("/v1/reports/collections?from=2026-02-01&to=2026-02-28",
                                     headers=bearer(app, "sup-ma", "collections_supervisor"))).json()["legal"]
        assert (february["cases"]["referred"], february["referrals"], february["costs"]) == (2, 2, "0.00")
        csv = (await client.get(url + "&format=csv", headers=bearer(app, *READER))).text.splitlines()
        assert "legal.costs,1409.66" in csv and "legal.cases.judgment,1" in csv
        timeline = (await client.get("/v1/loans/L31/timeline", headers=bearer(app, "wu", "legal"))).json()
        steps = [e["data"]["kind"] for e in timeline["items"] if e["type"] == "collections.legal.action_recorded"]
        assert steps == ["filing", "payment_order", "enforcement", "closed"]
        assert "collections.legal.referred" in [e["type"] for e in timeline["items"]]

        await rebuild(platform, settings, source="topics")
        assert (await client.get(url, headers=bearer(app, *READER))).json() == march
