"""Issue 15's arrangements in the collections report: counts by decision, waived (net of restorations) by kind,
approvals pending, recovered under arrangements — by hand, live and rebuilt from the topics; the waiver in the
loan's timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanflow.testing import bearer, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.domain.arrangements import ArrangementFact, arrangements_report
from services.reporting.rebuild import rebuild
from tests.reporting.arrangement_story import arrangement_story
from tests.reporting.helpers import READER, publish_and_wait

D = date
M = Decimal


def test_waived_is_net_of_what_broken_arrangements_restored_and_pending_is_as_at_the_end():
    facts = [ArrangementFact("A", D(2026, 3, 2), "proposed", M("90"), None, None, None),
             ArrangementFact("A", D(2026, 3, 2), "applied", M("90"), M("60"), M("20"), M("10")),
             ArrangementFact("B", D(2026, 3, 30), "proposed", M("10"), None, None, None),
             ArrangementFact("A", D(2026, 4, 9), "reverted", M("90"), M("60"), M("20"), M("10")),
             ArrangementFact("A", D(2026, 4, 9), "broken", M("90"), None, None, None)]
    march = arrangements_report(facts, D(2026, 3, 1), D(2026, 3, 31), M("0.00"))
    assert (march["proposed"], march["pending_approval"], march["broken"]) == (2, 2, 0)
    assert march["waived"] == {"total": M("90"), "charges": M("60"), "interest": M("20"), "principal": M("10")}
    april = arrangements_report(facts, D(2026, 4, 1), D(2026, 4, 30), M("5.00"))
    assert (april["broken"], april["waived"]["total"], april["recovered"]) == (1, M("-90"), M("5.00"))


def test_an_approved_arrangement_servicing_declined_counts_as_declined_and_waives_nothing():
    facts = [ArrangementFact("C", D(2026, 3, 10), "proposed", M("0"), None, None, None),
             ArrangementFact("C", D(2026, 3, 10), "approved", M("0"), None, None, None),
             ArrangementFact("C", D(2026, 3, 11), "declined", None, None, None, None)]
    march = arrangements_report(facts, D(2026, 3, 1), D(2026, 3, 31), M("0.00"))
    assert (march["approved"], march["declined"], march["pending_approval"]) == (1, 1, 0)
    assert march["waived"]["total"] == M("0")


@pytest.mark.integration
async def test_the_collections_report_counts_arrangements_live_and_rebuilt(platform, _drop_platform_dbs):
    story = arrangement_story()
    settings = ReportingSettings()
    app = create_app(settings, platform)
    async with running(app) as client:
        await publish_and_wait(platform, app, story.events)
        march_url = "/v1/reports/collections?from=2026-03-01&to=2026-03-31"
        march = (await client.get(march_url, headers=bearer(app, *READER))).json()["arrangements"]
        assert march == {"proposed": 4, "approved": 3, "rejected": 1, "broken": 0, "completed": 0, "declined": 1,
                         "pending_approval": 0, "recovered": "0.00",
                         "waived": {"total": "140.00", "charges": "140.00", "interest": "0.00", "principal": "0.00"}}
        later_url = "/v1/reports/collections?from=2026-04-01&to=2026-05-31"
        later = (await client.get(later_url, headers=bearer(app, *READER))).json()["arrangements"]
        assert (later["broken"], later["completed"], later["declined"], later["waived"]["total"]) == (1, 1, 0, "-50.00")
        assert later["recovered"] == "3950.00"  # L31's 1,500 + 1,950 and L32's 500 before it broke
        csv = (await client.get(later_url + "&format=csv", headers=bearer(app, *READER))).text.splitlines()
        assert "arrangements.completed,1" in csv and "arrangements.waived.total,-50.00" in csv

        timeline = (await client.get("/v1/loans/L31/timeline", headers=bearer(app, *READER))).json()
        applied = [e for e in timeline["items"] if e["type"] == "loan.arrangement.applied"]
        assert applied and applied[0]["data"]["waived"]["charges"] == "90.00"

        await rebuild(platform, settings, source="topics")
        assert (await client.get(march_url, headers=bearer(app, *READER))).json()["arrangements"] == march
        assert (await client.get(later_url, headers=bearer(app, *READER))).json()["arrangements"] == later
