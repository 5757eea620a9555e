"""Contact policy: when a collector may (not) contact a borrower."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from services.collections.domain.errors import CaseRuleViolation

OUTCOMES = ("right_party_contact", "no_answer", "third_party", "refused", "promise", "dispute",
            "deceased_reported", "wrong_number", "notice_signed")
CHANNELS = ("phone", "sms", "letter", "visit")
NOTICE_CHANNELS = ("letter", "visit")  # a collection notice is signed for on delivery or on a visit


@dataclass(frozen=True)
class ContactPolicy:
    """Limits on contact attempts (defaults: 7 calls a week per case, 08:00–21:00, 25 visits a month)."""

    max_calls_per_week: int = 7
    window_start: time = time(8, 0)
    window_end: time = time(21, 0)
    visit_quota_per_month: int = 25


def check_contact(policy: ContactPolicy, *, channel: str, local_now: datetime, disputed: bool,
                  recent_calls: Sequence[datetime], visits_this_month: int) -> None:
    """Refuse an attempt that breaks the contact policy, naming the rule.

    DOMAIN.md §3: a complaint or dispute is "kept apart from the debt: calm first"; so no
    contact while a dispute is open. Calls are limited per 7 days and to borrower daytime
    hours; field visits count against "a quota of 25 visits a month per collector".
    `local_now` is the borrower's local time; `recent_calls` the case's phone attempts.
    """
    if disputed:
        raise CaseRuleViolation("dispute_pause", "the case has an open dispute: no contact until it is resolved")
    if channel in ("phone", "visit") and not (policy.window_start <= local_now.time() < policy.window_end):
        raise CaseRuleViolation(
            "contact_hours",
            f"no {channel} contact outside {policy.window_start:%H:%M}–{policy.window_end:%H:%M} borrower local time "
            f"(now {local_now:%H:%M})")
    if channel == "phone":
        since = local_now - timedelta(days=7)
        count = sum(1 for at in recent_calls if at > since)
        if count >= policy.max_calls_per_week:
            raise CaseRuleViolation(
                "call_frequency", f"at most {policy.max_calls_per_week} calls per 7 days on a case ({count} made)")
    if channel == "visit" and visits_this_month >= policy.visit_quota_per_month:
        raise CaseRuleViolation(
            "field_visit_quota",
            f"the collector has used the monthly quota of {policy.visit_quota_per_month} field visits")
