"""The call-QA page's logic (pure): the week it opens on and the scorecard form as the review's REST body."""

from __future__ import annotations

from datetime import date

from services.workbench.domain.qa import default_week, findings_by_collector, item_label, review_body


def test_the_page_opens_on_the_last_week_that_is_over():
    assert default_week(date(2026, 4, 27), date(2026, 12, 7)) == "2026-W17"  # Monday of W18: W17 is over
    assert default_week(date(2026, 4, 26), date(2026, 12, 7)) == "2026-W16"  # Sunday of W17: not yet
    assert default_week(None, date(2027, 1, 4)) == "2026-W53"  # no business date: the local day


def test_the_scorecard_form_is_the_review_body():
    form = {"scores.verified_right_party": "pass", "scores.no_threat_or_abuse": "fail", "note": "raised voice",
            "coaching": "true", "week": "2026-W17", "idempotency_key": "k", "scores.": "pass"}
    assert review_body(form) == {"scores": {"verified_right_party": "pass", "no_threat_or_abuse": "fail"},
                                 "note": "raised voice", "coaching": True}
    assert review_body({"scores.x": "na"}) == {"scores": {"x": "na"}}


def test_labels_follow_the_language_and_findings_count_per_collector():
    item = {"id": "no_threat_or_abuse", "zh": "无威胁、辱骂", "en": "no threat or abuse"}
    assert (item_label(item, "zh"), item_label(item, "en"), item_label({"id": "x"}, "zh")) == (
        "无威胁、辱骂", "no threat or abuse", "x")
    items = [{"collector": "f1", "review": {"findings": [{}, {}]}}, {"collector": "f1", "review": None},
             {"collector": "f2", "review": {"findings": []}}]
    assert findings_by_collector(items) == {"f1": 2, "f2": 0}
