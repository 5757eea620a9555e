"""Contact policy: 7 calls a week, 08:00–21:00 borrower time, no contact in dispute; never a visit cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.collections.domain.contact_policy import ContactPolicy, check_contact
from services.collections.domain.errors import CaseRuleViolation

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=SHANGHAI)


def refusal(**kw) -> CaseRuleViolation:
    args = {"channel": "phone", "local_now": NOON, "disputed": False, "recent_calls": []}
    args.update(kw)
    with pytest.raises(CaseRuleViolation) as err:
        check_contact(ContactPolicy(), **args)
    return err.value


def refused(**kw) -> str:
    return refusal(**kw).rule


def allowed_again_at(**kw) -> str | None:
    [detail] = refusal(**kw).details
    return detail["next_allowed_at"]


def test_a_noon_call_is_allowed():
    check_contact(ContactPolicy(), channel="phone", local_now=NOON, disputed=False, recent_calls=[])


def test_the_eighth_call_within_seven_days_is_refused():
    calls = [NOON - timedelta(days=d, hours=1) for d in range(7)]
    assert refused(recent_calls=calls) == "call_frequency"


def test_calls_older_than_seven_days_do_not_count():
    calls = [NOON - timedelta(days=8 + d) for d in range(10)]
    check_contact(ContactPolicy(), channel="phone", local_now=NOON, disputed=False, recent_calls=calls)


@pytest.mark.parametrize("hour", [7, 21, 23])
def test_no_calls_outside_eight_to_nine(hour):
    assert refused(local_now=NOON.replace(hour=hour)) == "contact_hours"


def test_sms_at_night_is_not_a_call():
    check_contact(ContactPolicy(), channel="sms", local_now=NOON.replace(hour=22), disputed=False, recent_calls=[])


def test_nothing_while_a_dispute_is_open():
    assert refused(channel="letter", disputed=True) == "dispute_pause"


def test_a_visit_is_never_refused_for_count():
    """DOMAIN.md §3: 25 visits a month is a target to measure, never a cap (the policy has no count to pass)."""
    check_contact(ContactPolicy(visit_target=0), channel="visit", local_now=NOON, disputed=False, recent_calls=[])


def test_a_refused_call_says_when_it_is_allowed_again():
    """The eighth call: allowed once the oldest of the week's seven is seven days old (or at 08:00 if that is night)."""
    calls = [NOON - timedelta(days=d, hours=1) for d in range(7)]  # the oldest: 6 days 1 hour ago, at 11:00
    assert allowed_again_at(recent_calls=calls) == (NOON + timedelta(hours=23)).isoformat()
    late = [NOON.replace(hour=21, minute=15) - timedelta(days=d) for d in range(1, 8)]  # freed at 21:15 today
    assert allowed_again_at(recent_calls=late) == (NOON + timedelta(days=1)).replace(hour=8).isoformat()


def test_night_refusals_point_at_eight_in_the_morning_and_a_dispute_at_no_time():
    assert allowed_again_at(local_now=NOON.replace(hour=23)) == (NOON + timedelta(days=1)).replace(hour=8).isoformat()
    assert allowed_again_at(local_now=NOON.replace(hour=7)) == NOON.replace(hour=8).isoformat()
    assert allowed_again_at(channel="letter", disputed=True) is None
