"""Arrangement rows: each arrangement of any case, for finding its case and listing those awaiting approval."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.collections.domain.arrangements import Arrangement


async def save(conn: asyncpg.Connection, case_id: str, loan_id: str, arrangement: Arrangement) -> None:
    """Upsert the arrangement as its case now holds it (written in the case's transaction)."""
    await conn.execute(
        """INSERT INTO arrangements (arrangement_id, case_id, loan_id, status, approver_role, proposed_by,
                                     arrangement)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (arrangement_id) DO UPDATE SET status = EXCLUDED.status, arrangement = EXCLUDED.arrangement""",
        arrangement.arrangement_id, case_id, loan_id, arrangement.status, arrangement.approver_role,
        arrangement.proposed_by, arrangement.model_dump(mode="json"))


async def case_of(conn: asyncpg.Connection, arrangement_id: str) -> str | None:
    return await conn.fetchval("SELECT case_id FROM arrangements WHERE arrangement_id = $1", arrangement_id)


async def page(conn: asyncpg.Connection, *, status: str | None, approver_role: str | None, case_id: str | None,
               offset: int, limit: int) -> list[dict[str, Any]]:
    """Arrangements oldest first, by status, the role their approval needs, the case."""
    rows = await conn.fetch(
        """SELECT case_id, loan_id, arrangement FROM arrangements
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR approver_role = $2)
             AND ($3::text IS NULL OR case_id = $3)
           ORDER BY seq OFFSET $4 LIMIT $5""", status, approver_role, case_id, offset, limit)
    return [{"case_id": r["case_id"], "loan_id": r["loan_id"], **r["arrangement"]} for r in rows]
