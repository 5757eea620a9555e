"""Call quality's rules without I/O: weeks, the seeded draw, scoring, findings and coaching."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.collections.domain.errors import CaseRuleViolation, InvalidCommand
from services.collections.domain.qa import (
    DEFAULT_SCORECARD,
    RecordedContact,
    Sample,
    acknowledge,
    check_week_over,
    draw,
    draw_sample,
    fold_review,
    iso_week,
    review,
    week_days,
)
from shared.contracts import collections as ev
from shared.contracts.collections import Recording
from shared.errors import Forbidden

SHA = "0f" * 32


def contact(contact_id: str, collector: str = "collector-f1", on: date = date(2026, 4, 22)) -> RecordedContact:
    return RecordedContact(contact_id=contact_id, case_id="case-1", loan_id="L1", collector=collector,
                           channel="phone", outcome="no_answer", contacted_at=datetime(2026, 4, 22, 2, tzinfo=UTC),
                           business_date=on, recording=Recording(uri="s3://calls/1.wav", duration_s=60, sha256=SHA))


def scores(**fails: str) -> dict[str, str]:
    return {i.id: fails.get(i.id, "pass") for i in DEFAULT_SCORECARD}


def test_weeks_are_iso_weeks_and_a_week_is_drawn_once_it_is_over():
    assert iso_week(date(2026, 4, 22)) == "2026-W17"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"  # 2026 has 53 ISO weeks
    assert week_days("2026-W17") == (date(2026, 4, 20), date(2026, 4, 26))
    for bad in ("2026-W54", "2025-W53", "2026-17", "W17", "2026-W00"):
        with pytest.raises(InvalidCommand):
            week_days(bad)
    with pytest.raises(CaseRuleViolation) as refused:
        check_week_over("2026-W17", date(2026, 4, 26))
    assert refused.value.rule == "week_not_over"
    check_week_over("2026-W17", date(2026, 4, 27))


@given(st.dictionaries(st.sampled_from(["f1", "f2", "m1", "b1"]),
                       st.lists(st.text("abc123", min_size=1, max_size=6), unique=True, max_size=12), min_size=1),
       st.integers(1, 6), st.text(min_size=1, max_size=16))
def test_the_draw_is_fixed_by_its_seed_and_each_collector_is_drawn_alone(people, k, seed):
    drawn = draw(seed, "2026-W17", people, k)
    assert drawn == draw(seed, "2026-W17", {c: list(reversed(ids)) for c, ids in people.items()}, k)
    for collector, ids in people.items():
        assert len(drawn[collector]) == min(k, len(ids)) and len(set(drawn[collector])) == len(drawn[collector])
        assert set(drawn[collector]) <= set(ids)
        # another collector's contacts do not change this collector's draw
        assert draw(seed, "2026-W17", {collector: ids}, k)[collector] == drawn[collector]


def test_the_draw_depends_on_the_seed():
    people = {"f1": [f"ct-{i}" for i in range(40)]}
    assert len({tuple(draw(str(s), "2026-W17", people, 5)["f1"]) for s in range(20)}) > 1


def test_a_sample_records_its_seed_and_population():
    drawn = draw_sample(week="2026-W17", seed="5eed", contacts=[contact("b"), contact("a"), contact("c", "f2")],
                        per_collector=1, by="qa-li", business_date=date(2026, 4, 27))
    assert drawn.population == {"collector-f1": ["a", "b"], "f2": ["c"]}
    assert drawn.sample == draw("5eed", "2026-W17", drawn.population, 1)
    assert (drawn.drawn_by, drawn.drawn_on) == ("qa-li", date(2026, 4, 27))


def _sample(*ids: str) -> Sample:
    return Sample(week="2026-W17", seed="s", per_collector=2, drawn_by="qa", drawn_on=date(2026, 4, 27),
                  population={"collector-f1": list(ids)}, sample={"collector-f1": list(ids)})


def _review(s: dict[str, str], *, coaching: bool = False, sample: Sample | None = None, reviewer: str = "qa-li",
            reviewed: bool = False):
    return review(review_id="qr-a", contact=contact("a"), sample=sample or _sample("a"), reviewer=reviewer,
                  scorecard=DEFAULT_SCORECARD, scores=s, note=None, coaching=coaching,
                  business_date=date(2026, 4, 28), reviewed=reviewed)


def test_every_item_is_scored_and_failed_items_are_findings_in_scorecard_order():
    done = _review(scores(no_third_party_disclosure="fail", identified_self_and_company="fail",
                          offered_ways_to_pay="na"))
    assert [(f.item, f.coaching_required) for f in done.findings] == [
        ("identified_self_and_company", False), ("no_third_party_disclosure", True)]
    assert done.week == "2026-W17" and done.collector == "collector-f1"
    assert _review(scores()).findings == []
    assert all(f.coaching_required for f in _review(scores(verified_right_party="fail"), coaching=True).findings)
    for bad, code in ((scores() | {"extra": "pass"}, "unknown_scorecard_item"),
                      ({"verified_right_party": "pass"}, "scorecard_incomplete"),
                      (scores(verified_right_party="meh"), "bad_score")):
        with pytest.raises(InvalidCommand) as refused:
            _review(bad)
        assert refused.value.code == code


def test_a_review_needs_a_sampled_contact_another_reviewer_and_only_once():
    with pytest.raises(CaseRuleViolation, match="not in the drawn QA sample"):
        _review(scores(), sample=_sample("b"))
    with pytest.raises(Forbidden):
        _review(scores(), reviewer="collector-f1")
    with pytest.raises(CaseRuleViolation, match="already reviewed"):
        _review(scores(), reviewed=True)


def test_only_the_collector_acknowledges_coaching_once_and_the_fold_shows_it():
    reviewed = _review(scores(no_threat_or_abuse="fail", verified_right_party="fail"))
    current = fold_review([reviewed])
    assert current is not None
    plain, coached = current.findings
    with pytest.raises(Forbidden):
        acknowledge(current, finding_id=coached.finding_id, by="collector-f2", note=None,
                    business_date=date(2026, 4, 29))
    with pytest.raises(CaseRuleViolation, match="does not require coaching"):
        acknowledge(current, finding_id=plain.finding_id, by="collector-f1", note=None,
                    business_date=date(2026, 4, 29))
    acked = acknowledge(current, finding_id=coached.finding_id, by="collector-f1", note="coached",
                        business_date=date(2026, 4, 29))
    after = fold_review([reviewed, acked])
    assert after is not None
    assert (after.findings[1].acknowledged_on, after.findings[1].acknowledgement) == (date(2026, 4, 29), "coached")
    with pytest.raises(CaseRuleViolation, match="acknowledged"):
        acknowledge(after, finding_id=coached.finding_id, by="collector-f1", note=None,
                    business_date=date(2026, 4, 30))
    assert fold_review([]) is None


@pytest.mark.parametrize("fields", [
    {"sha256": "0f" * 31}, {"sha256": "g" * 64}, {"duration_s": 0}, {"duration_s": "-1"}, {"duration_s": "0.0001"},
    {"duration_s": 86401}, {"uri": "no-scheme/file.wav"}, {"uri": "s3:// spaced"}, {"uri": "https://"}])
def test_a_recording_reference_is_checked(fields):
    with pytest.raises(ValidationError):
        Recording.model_validate({"uri": "https://media.example.com/calls/1.wav", "duration_s": "12.5",
                                  "sha256": SHA} | fields)


def test_a_recording_keeps_its_hash_lower_case_and_its_duration_exact():
    r = Recording(uri="s3://calls/1.wav", duration_s="312.125", sha256="AB" * 32)  # type: ignore[arg-type]
    assert r.sha256 == "ab" * 32 and str(r.duration_s) == "312.125"


def test_contact_logged_v2_takes_the_recording_compatibly():
    earlier = {"case_id": "c", "loan_id": "L", "contact_id": "ct", "channel": "phone", "outcome": "no_answer",
               "collector": "f1", "contacted_at": "2026-04-22T02:00:00Z", "target": "borrower",
               "target_kind": "borrower"}
    assert ev.ContactLogged.model_validate(earlier).recording is None  # a v2 event written before the field
    recorded = ev.ContactLogged.model_validate(
        earlier | {"recording": {"uri": "s3://calls/1.wav", "duration_s": "60", "sha256": SHA}})
    assert recorded.recording == Recording(uri="s3://calls/1.wav", duration_s=60, sha256=SHA)
    assert recorded.to_data()["recording"]["duration_s"] == "60"  # exact, as a decimal string
