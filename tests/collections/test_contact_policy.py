"""Contact policy: 7 calls a week, 08:00–21:00 borrower time, no contact in dispute, visit quota."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.collections.domain.contact_policy import ContactPolicy, check_contact
from services.collections.domain.errors import CaseRuleViolation

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=SHANGHAI)


def refused(**kw) -> str:
    args = {"channel": "phone", "local_now": NOON, "disputed": False, "recent_calls": [], "visits_this_month": 0}
    args.update(kw)
    with pytest.raises(CaseRuleViolation) as err:
        check_contact(ContactPolicy(), **args)
    return err.value.rule


def test_a_noon_call_is_allowed():
    check_contact(ContactPolicy(), channel="phone", local_now=NOON, disputed=False, recent_calls=[],
                  visits_this_month=0)


def test_the_eighth_call_within_seven_days_is_refused():
    calls = [NOON - timedelta(days=d, hours=1) for d in range(7)]
    assert refused(recent_calls=calls) == "call_frequency"


def test_calls_older_than_seven_days_do_not_count():
    calls = [NOON - timedelta(days=8 + d) for d in range(10)]
    check_contact(ContactPolicy(), channel="phone", local_now=NOON, disputed=False, recent_calls=calls,
                  visits_this_month=0)


@pytest.mark.parametrize("hour", [7, 21, 23])
def test_no_calls_outside_eight_to_nine(hour):
    assert refused(local_now=NOON.replace(hour=hour)) == "contact_hours"


def test_sms_at_night_is_not_a_call():
    check_contact(ContactPolicy(), channel="sms", local_now=NOON.replace(hour=22), disputed=False, recent_calls=[],
                  visits_this_month=0)


def test_nothing_while_a_dispute_is_open():
    assert refused(channel="letter", disputed=True) == "dispute_pause"


def test_the_twenty_sixth_visit_of_the_month_is_refused():
    assert refused(channel="visit", visits_this_month=25) == "field_visit_quota"
