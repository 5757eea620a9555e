"""Statute of limitations on the debt.

DOMAIN.md §3: "statute of limitations running out (the notes mention cases lost to it)".
Issue 5: 3 years from the due date, restarted by an acknowledgement or a documented
demand; warn 90 days before expiry; an expired debt is flagged and no longer pressed by
legal action.
"""

from __future__ import annotations

from datetime import date, timedelta


def add_years(day: date, years: int) -> date:
    """Same calendar day `years` later (29 Feb -> 28 Feb)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def expires_on(runs_from: date, years: int = 3) -> date:
    """The day the limitation period ends."""
    return add_years(runs_from, years)


def in_warning_window(today: date, expiry: date, warn_days: int = 90) -> bool:
    """Whether `today` is within `warn_days` before the expiry (and not past it)."""
    return expiry - timedelta(days=warn_days) <= today < expiry
