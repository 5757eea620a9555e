"""Origination's business date: learnt from servicing's day-close, with a start-up fallback."""

from __future__ import annotations

from datetime import date

import asyncpg

from shared.clock import Clock
from shared.config import PlatformSettings
from shared.db import fetch_business_date


async def current_business_date(conn: asyncpg.Connection, platform: PlatformSettings, clock: Clock) -> date:
    """The stored business date; before servicing closed any day, `start_date` or the clock's date."""
    stored = await fetch_business_date(conn)
    if stored is not None:
        return stored  # type: ignore[no-any-return]
    if platform.start_date:
        return date.fromisoformat(platform.start_date)
    return clock.now().date()
