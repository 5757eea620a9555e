"""Contact attempts as rows, for the weekly call limit."""

from __future__ import annotations

from datetime import datetime

import asyncpg


async def record(conn: asyncpg.Connection, *, contact_id: str, case_id: str, channel: str, outcome: str,
                 collector: str, target: str, at: datetime, local_month: str) -> None:
    await conn.execute(
        """INSERT INTO contacts (contact_id, case_id, channel, outcome, collector, target, contacted_at, local_month)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        contact_id, case_id, channel, outcome, collector, target, at, local_month)


async def recent_calls(conn: asyncpg.Connection, case_id: str, since: datetime) -> list[datetime]:
    rows = await conn.fetch(
        "SELECT contacted_at FROM contacts WHERE case_id = $1 AND channel = 'phone' AND contacted_at > $2",
        case_id, since)
    return [r["contacted_at"] for r in rows]
