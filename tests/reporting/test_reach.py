"""Issue 14's figures in the collections report: visits and valid visits against the target, complaints about
each collector, why borrowers are late, untouched cases per queue and collector — by hand, live and rebuilt."""

from __future__ import annotations

from datetime import date

import pytest

from loanflow.testing import bearer, running
from services.reporting.bootstrap import create_app
from services.reporting.config import ReportingSettings
from services.reporting.domain.reach import OpenCase, open_cases, reason_counts, target_in_force, untouched_cases
from services.reporting.rebuild import rebuild
from tests.reporting.helpers import READER, publish_and_wait
from tests.reporting.reach_story import reach_story

D = date


def test_untouched_counts_from_the_last_contact_or_else_the_opening():
    cases = [OpenCase("A", D(2026, 1, 1), D(2026, 3, 1), "front", "qian"),   # 30 days by 31 Mar: untouched
             OpenCase("B", D(2026, 1, 1), D(2026, 3, 2), "front", "qian"),   # 29 days: touched
             OpenCase("C", D(2026, 3, 1), None, "mid", None),                # opened 30 days before: untouched
             OpenCase("D", D(2026, 3, 2), None, "legal", "sun")]
    assert untouched_cases(cases, D(2026, 3, 31)) == {
        "days": 30, "total": 2, "by_queue": {"front": 1, "mid": 1}, "by_collector": {"qian": 1, "unassigned": 1}}


def test_open_cases_follow_opening_escalation_assignment_and_resolution():
    rows = [("A", D(2026, 1, 1), "opened", "front", None, None), ("A", D(2026, 1, 2), "escalated", "mid", None, None),
            ("B", D(2026, 1, 1), "opened", "front", None, None), ("B", D(2026, 1, 2), "assigned", None, "sun", "legal"),
            ("B", D(2026, 1, 3), "escalated", "back", None, None),  # a legal queue does not follow the stage
            ("C", D(2026, 1, 1), "opened", "front", None, None), ("C", D(2026, 1, 5), "resolved", "front", None, None),
            ("E", D(2026, 1, 1), "opened", "front", None, None), ("E", D(2026, 1, 5), "resolved", None, None, None),
            ("E", D(2026, 2, 1), "opened", "mid", None, None)]  # a new episode
    assert open_cases(rows, {"B": D(2026, 1, 9)}) == [OpenCase("A", D(2026, 1, 1), None, "mid", None),
                                                      OpenCase("B", D(2026, 1, 1), D(2026, 1, 9), "legal", "sun"),
                                                      OpenCase("E", D(2026, 2, 1), None, "mid", None)]


def test_reasons_name_every_code_and_the_target_is_the_latest_carried():
    counts = reason_counts(["job_loss", None, "job_loss", "illness"])
    assert counts["job_loss"] == 2 and counts["illness"] == 1 and counts["forgot"] == 0 and len(counts) == 9
    assert target_in_force([None, 25, 30, None], 20) == 30 and target_in_force([None], 20) == 20


@pytest.mark.integration
async def test_the_collections_report_measures_reach_by_hand_live_and_rebuilt(platform, _drop_platform_dbs):
    story = reach_story()
    settings = ReportingSettings(visit_target=20)
    app = create_app(settings, platform)
    async with running(app) as client:
        await publish_and_wait(platform, app, story.events)
        url = "/v1/reports/collections?from=2026-03-01&to=2026-03-31"
        march = (await client.get(url, headers=bearer(app, *READER))).json()
        qian, zhou = march["collectors"]["qian"], march["collectors"]["zhou"]
        assert (qian["visits"], qian["valid_visits"], qian["visit_target"], qian["calls"]) == (3, 2, 25, 1)
        assert qian["complaints"] == 1  # opened and resolved: one complaint, about qian
        assert (zhou["visits"], zhou["valid_visits"], zhou["visit_target"], zhou["complaints"]) == (1, 1, 20, 0)
        assert march["collectors"]["unassigned"]["complaints"] == 1  # the fees complaint is about no collector
        assert "sun" not in march["collectors"] and march["complaints"] == 2
        # call quality beside recovered: reviews of each collector's recorded contacts and their findings
        assert (qian["qa_reviewed"], qian["qa_findings"], zhou["qa_reviewed"], zhou["qa_findings"]) == (1, 2, 1, 0)
        assert (march["qa_reviewed"], march["qa_findings"]) == (2, 2)
        assert {k: v for k, v in march["delinquency_reasons"].items() if v} == {"job_loss": 2, "illness": 1}
        assert march["untouched_cases"] == {"days": 30, "total": 2, "by_queue": {"front": 1, "mid": 1},
                                            "by_collector": {"sun": 1, "unassigned": 1}}
        february = (await client.get("/v1/reports/collections?from=2026-02-01&to=2026-02-28",
                                     headers=bearer(app, "sup-ma", "collections_supervisor"))).json()
        assert february["untouched_cases"]["total"] == 0 and february["delinquency_reasons"]["forgot"] == 1
        csv = (await client.get(url + "&format=csv", headers=bearer(app, *READER))).text.splitlines()
        assert "untouched_cases.by_queue.mid,1" in csv and "delinquency_reasons.job_loss,2" in csv

        await rebuild(platform, settings, source="topics")
        assert (await client.get(url, headers=bearer(app, *READER))).json() == march
