"""Staging by days past due: front 1–30, mid 31–90, back 91+ (configurable)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.collections.domain.staging import StageBounds, next_stage, stage_rank


@pytest.mark.parametrize(("dpd", "stage"), [(1, "front"), (30, "front"), (31, "mid"), (90, "mid"), (91, "back"),
                                            (400, "back")])
def test_default_bounds_stage_a_debt(dpd, stage):
    assert StageBounds().stage_for(dpd) == stage


def test_bounds_are_configurable():
    bounds = StageBounds(front_max=15, mid_max=60)
    assert [bounds.stage_for(d) for d in (15, 16, 60, 61)] == ["front", "mid", "mid", "back"]


def test_bounds_must_be_ordered():
    with pytest.raises(ValueError):
        StageBounds(front_max=90, mid_max=30)


@given(st.integers(1, 2000), st.integers(0, 500))
def test_more_days_past_due_never_means_an_earlier_stage(dpd, more):
    bounds = StageBounds()
    assert stage_rank(bounds.stage_for(dpd + more)) >= stage_rank(bounds.stage_for(dpd))


def test_next_stage_stops_at_back():
    assert [next_stage("front"), next_stage("mid"), next_stage("back")] == ["mid", "back", "back"]
