"""Addresses, ID numbers and the guarantor's ID never reach a report: a v2 disbursement's contact points are
masked on both projection paths and in the loan's timeline (live and after a rebuild), to every role that reads
it (collector, collections supervisor, legal as well as reporting); who may read the collections report."""

from __future__ import annotations

import orjson
import pytest

from loanflow.testing import bearer, running
from services.reporting.adapters.writer import copy_lines, lines_of_rows
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.domain.fastproject import project_envelope
from services.reporting.domain.masking import mask_data
from services.reporting.domain.projection import project
from services.reporting.rebuild import rebuild
from shared.contracts.registry import public_data
from tests.reporting.helpers import READER, publish_and_wait
from tests.reporting.story import APPLICANT_ID, EMPLOYER_ADDRESS, GUARANTOR_ID, HOME, WORK, Story, with_contact_points

FULL = (HOME, WORK, EMPLOYER_ADDRESS, APPLICANT_ID, GUARANTOR_ID, "13700007777", "01062345678")


def _story() -> Story:
    st = Story()
    with_contact_points(st)
    return st


def test_addresses_are_masked_as_origination_masks_them():
    masked = mask_data({"borrower": {"addresses": {"home": HOME, "work": WORK},
                                     "employer": {"address": EMPLOYER_ADDRESS}}})
    assert masked["borrower"]["addresses"] == {"home": "北京市朝阳区****", "work": "北京市海淀区****"}
    assert masked["borrower"]["employer"]["address"] == "北京市海淀区****"
    assert mask_data(masked) == masked  # already masked (as on collections' topic) stays as it is
    assert mask_data({"address": "北京市朝阳区…"}) == {"address": "北京市朝阳区…"}
    assert mask_data({"addresses": {"home": None}}) == {"addresses": {"home": None}}


def test_both_projection_paths_keep_no_full_address_or_id_number():
    for _, event in _story().events:
        public = event.model_copy(update={"data": public_data(event.type, event.data)})
        raw = public.to_json_bytes()
        fast = copy_lines(project_envelope(orjson.loads(raw), raw)[1])["events"][0]
        slow = lines_of_rows(project(public))["events"][0]
        for text in (fast, slow):
            assert not [full for full in FULL if full in text], event.type
            assert "北京市朝阳区****" in text and "110101********1234" in text


@pytest.mark.integration
async def test_the_timeline_of_a_v2_disbursed_loan_shows_no_full_address_or_id_number_to_any_reader(
        platform, _drop_platform_dbs):
    story = _story()
    app = create_app(ReportingSettings(), platform)
    async with running(app) as client:
        await publish_and_wait(platform, app, story.events)
        headers = bearer(app, *READER)

        async def timeline_text() -> str:
            response = await client.get("/v1/loans/L21/timeline?limit=500", headers=headers)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            assert [i["type"] for i in items] == ["loan.application.submitted", "loan.disbursed"]
            disbursed = items[1]["data"]
            assert disbursed["borrower"]["addresses"] == {"home": "北京市朝阳区****", "work": "北京市海淀区****"}
            assert disbursed["guarantor"]["id_number"] == "110105********4321"
            return response.text

        live = await timeline_text()
        assert not [full for full in FULL if full in live]
        for role in ("collector", "collections_supervisor", "legal"):  # a case page reads it, masked the same
            response = await client.get("/v1/loans/L21/timeline?limit=500", headers=bearer(app, "someone", role))
            assert response.status_code == 200 and response.text == live, role
        for role in ("client_manager", "auditor"):
            assert (await client.get("/v1/loans/L21/timeline", headers=bearer(app, "x", role))).status_code == 403

        supervisor = bearer(app, "sup-ma", "collections_supervisor")
        report = "/v1/reports/collections?from=2026-01-01&to=2026-01-31"
        assert (await client.get(report, headers=supervisor)).json()["from"] == "2026-01-01"
        csv = await client.get(report + "&format=csv", headers=supervisor)
        assert csv.status_code == 200 and csv.text.splitlines()[0] == "metric,value"
        for role in ("client_manager", "collector", "legal"):
            assert (await client.get(report, headers=bearer(app, "x", role))).status_code == 403, role
        # the delinquency report's aggregates are the supervisor's /reports page; the loan-level ones are not theirs
        delinquency = await client.get("/v1/reports/delinquency", headers=supervisor)
        assert delinquency.status_code == 200 and not [full for full in FULL if full in delinquency.text]
        for other in ("/v1/reports/portfolio", "/v1/reports/loan-book"):
            assert (await client.get(other, headers=supervisor)).status_code == 403, other
        await rebuild(platform, ReportingSettings(), source="topics")
        assert await timeline_text() == live
