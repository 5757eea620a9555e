"""The `day_closes` table: which business dates are closed (a re-run of a closed day is a no-op).

Day-close itself is one statement (`adapters/dayclose_events.py`).
"""

from __future__ import annotations

from datetime import date

import asyncpg


async def already_closed(conn: asyncpg.Connection, day: date) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM day_closes WHERE business_date = $1", day))


async def record_closed(conn: asyncpg.Connection, day: date, loans: int, events: int, seconds: float) -> None:
    await conn.execute(
        "INSERT INTO day_closes (business_date, loans_processed, events, seconds) VALUES ($1, $2, $3, $4)",
        day, loans, events, seconds)


async def last_closed(conn: asyncpg.Connection) -> date | None:
    return await conn.fetchval("SELECT max(business_date) FROM day_closes")  # type: ignore[no-any-return]
