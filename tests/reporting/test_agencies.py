"""Issue 15's agencies and commission in the collections report: per agency placed balance, recovered, fees and
liquidation rate; commission per collector, per month and per channel (the notes' collector: 466,254.50
recovered, 62,059.50 commission) — by hand, live and rebuilt, a v1 recovery upcast on both paths."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from loanflow.testing import bearer, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.domain.agencies import Placement, Recovery, agencies_report, commission_report
from services.reporting.rebuild import rebuild
from tests.reporting.agency_story import agency_story
from tests.reporting.helpers import READER, publish_and_wait

D = date


def test_a_placement_counts_for_the_periods_it_overlaps_and_recoveries_only_when_in_the_period():
    placements = [
        Placement("P1", "A", D(2026, 9, 1), Decimal("8000.00"), D(2026, 11, 30), D(2026, 12, 1)),
        Placement("P2", "A", D(2026, 12, 2), Decimal("2000.00"), D(2027, 1, 31)),
    ]
    recoveries = [
        Recovery(D(2026, 10, 15), "agency", None, Decimal("1000.50"), Decimal("0.00"), "A", "P1", Decimal("250.13")),
        Recovery(D(2026, 10, 16), "collector", "li", Decimal("10.00"), Decimal("1.20")),
    ]
    assert agencies_report(placements, recoveries, D(2026, 10, 1), D(2026, 10, 31)) == {
        "A": {
            "placements": 1,
            "active": 1,
            "placed_balance": Decimal("8000.00"),
            "recovered": Decimal("1000.50"),
            "fees": Decimal("250.13"),
            "liquidation_rate": Decimal("0.1251"),
        }
    }
    december = agencies_report(placements, recoveries, D(2026, 12, 1), D(2026, 12, 31))["A"]
    assert (
        december["placements"],
        december["active"],
        december["placed_balance"],
        december["recovered"],
        december["liquidation_rate"],
    ) == (2, 1, Decimal("10000.00"), Decimal("0.00"), Decimal("0.0000"))
    assert agencies_report(placements, recoveries, D(2026, 8, 1), D(2026, 8, 31)) == {}
    commission = commission_report(recoveries, D(2026, 10, 1), D(2026, 10, 31))
    assert commission["by_collector"] == {"li": {"2026-10": Decimal("1.20")}}
    assert commission["by_channel"]["agency"] == {
        "recovered": Decimal("1000.50"),
        "commission": Decimal("0.00"),
        "agency_fees": Decimal("250.13"),
    }


@pytest.mark.integration
async def test_agencies_and_commission_by_collector_month_and_channel_live_and_rebuilt(platform, _drop_platform_dbs):
    story = agency_story()
    settings = ReportingSettings()
    app = create_app(settings, platform)
    async with running(app) as client:
        await publish_and_wait(platform, app, story.events)
        url = "/v1/reports/collections?from=2026-07-01&to=2026-12-31"
        half = (await client.get(url, headers=bearer(app, *READER))).json()
        notes = half["collectors"]["collector-f1"]
        assert (notes["recovered"], notes["commission"]) == ("466254.50", "62059.50")  # DOMAIN.md §3, the notes
        assert notes["department_share"] == "43441.65"  # the notes: 62,059.50 × 0.7 credited to the department
        assert notes["commission_by_month"] == {
            "2026-07": "17705.40",
            "2026-08": "12839.40",
            "2026-09": "7947.24",
            "2026-10": "8485.74",
            "2026-11": "9003.66",
            "2026-12": "6078.06",
        }
        assert set(half["collectors"]) == {"collector-f1", "legal-1"}  # an agency's recovery credits no collector
        assert half["collectors"]["legal-1"]["commission_by_month"] == {"2026-11": "100.00"}
        assert (half["recovered"], half["commission"]) == ("470755.00", "62159.50")
        assert half["commission_by_month"]["2026-11"] == {"recovered": "77030.50", "commission": "9103.66"}
        assert half["commission_by_channel"] == {
            "collector": {"recovered": "466254.50", "commission": "62059.50", "agency_fees": "0.00"},
            "legal": {"recovered": "2000.00", "commission": "100.00", "agency_fees": "0.00"},
            "agency": {"recovered": "2500.50", "commission": "0.00", "agency_fees": "700.13"},
        }
        assert half["agencies"] == {
            "华信资产": {
                "placements": 2,
                "active": 1,
                "placed_balance": "10000.00",
                "recovered": "1000.50",
                "fees": "250.13",
                "liquidation_rate": "0.1001",
            },
            "诚信催收": {
                "placements": 1,
                "active": 0,
                "placed_balance": "5000.00",
                "recovered": "1500.00",
                "fees": "450.00",
                "liquidation_rate": "0.3000",
            },
        }
        october = (
            await client.get("/v1/reports/collections?from=2026-10-01&to=2026-10-31", headers=bearer(app, *READER))
        ).json()
        assert october["agencies"] == {
            "华信资产": {
                "placements": 1,
                "active": 1,
                "placed_balance": "8000.00",
                "recovered": "1000.50",
                "fees": "250.13",
                "liquidation_rate": "0.1251",
            }
        }
        csv = (await client.get(url + "&format=csv", headers=bearer(app, *READER))).text.splitlines()
        assert "agencies.华信资产.fees,250.13" in csv and "commission_by_month.2026-07.commission,17705.40" in csv

        await rebuild(platform, settings, source="topics")
        assert (await client.get(url, headers=bearer(app, *READER))).json() == half
