"""The blacklist of ID numbers rejected for false information (origination's own table)."""

from __future__ import annotations

import asyncpg


async def is_blacklisted(conn: asyncpg.Connection, id_number: str) -> bool:
    """Whether an ID number is on the blacklist."""
    return bool(await conn.fetchval("SELECT 1 FROM blacklist WHERE id_number = $1", id_number))


async def blacklist(conn: asyncpg.Connection, id_number: str, application_id: str, reason: str,
                    listed_by: str | None) -> None:
    """Put an ID number on the blacklist for good (in the caller's transaction; first listing wins)."""
    await conn.execute(
        """INSERT INTO blacklist (id_number, application_id, reason, listed_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (id_number) DO NOTHING""",
        id_number, application_id, reason, listed_by)
