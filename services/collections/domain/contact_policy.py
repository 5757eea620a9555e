"""Contact policy: when a collector may (not) contact a borrower, and when they may again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from services.collections.domain.errors import CaseRuleViolation

VISIT_OUTCOMES = ("met_borrower", "met_family", "address_invalid", "moved")  # what a field visit finds
CALL_OUTCOMES = ("switched_off", "busy", "not_in_service")  # what only a call hears: 关机, 占线, 空号
OUTCOMES = ("right_party_contact", "no_answer", "third_party", "refused", "promise", "dispute",
            "deceased_reported", "wrong_number", "notice_signed", *VISIT_OUTCOMES, *CALL_OUTCOMES)
CHANNELS = ("phone", "sms", "letter", "visit")
NOTICE_CHANNELS = ("letter", "visit")  # a collection notice is signed for on delivery or on a visit


@dataclass(frozen=True)
class ContactPolicy:
    """Limits on contact attempts (defaults: 7 calls a week per case, 08:00–21:00) and the visit target.

    DOMAIN.md §3: 25 field visits a month per collector is an assessment target (外访考核), "a goal
    to measure, never a cap": a visit is never refused for count; reports measure visits and valid
    visits against `visit_target`.
    """

    max_calls_per_week: int = 7
    window_start: time = time(8, 0)
    window_end: time = time(21, 0)
    visit_target: int = 25


def next_window_start(policy: ContactPolicy, local_now: datetime) -> datetime:
    """The next moment contact hours open, borrower local time."""
    start = local_now.replace(hour=policy.window_start.hour, minute=policy.window_start.minute, second=0,
                              microsecond=0)
    return start if local_now < start else start + timedelta(days=1)


def check_contact(policy: ContactPolicy, *, channel: str, local_now: datetime, disputed: bool,
                  recent_calls: Sequence[datetime]) -> None:
    """Refuse an attempt that breaks the contact policy, naming the rule and, where one exists, the
    moment it would be allowed (`next_allowed_at`, borrower local time, in the refusal's details).

    DOMAIN.md §3: only a dispute of the debt itself pauses (a complaint does not), so no contact
    while a dispute is open. Calls are limited per 7 days and to borrower daytime hours.
    `local_now` is the borrower's local time; `recent_calls` the case's phone attempts.
    """
    if disputed:
        raise CaseRuleViolation("dispute_pause", "the case has an open dispute: no contact until it is resolved",
                                next_allowed_at=None)
    if channel in ("phone", "visit") and not (policy.window_start <= local_now.time() < policy.window_end):
        raise CaseRuleViolation(
            "contact_hours",
            f"no {channel} contact outside {policy.window_start:%H:%M}–{policy.window_end:%H:%M} borrower local time "
            f"(now {local_now:%H:%M})", next_allowed_at=next_window_start(policy, local_now).isoformat())
    if channel == "phone":
        since = local_now - timedelta(days=7)
        window = sorted(at for at in recent_calls if at > since)
        if len(window) >= policy.max_calls_per_week:
            # allowed again once enough of the week's calls have aged out of the 7 days
            freed = window[len(window) - policy.max_calls_per_week] + timedelta(days=7)
            if not policy.window_start <= freed.time() < policy.window_end:
                freed = next_window_start(policy, freed)
            raise CaseRuleViolation(
                "call_frequency",
                f"at most {policy.max_calls_per_week} calls per 7 days on a case ({len(window)} made)",
                next_allowed_at=freed.isoformat())
