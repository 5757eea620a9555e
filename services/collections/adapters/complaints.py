"""Complaint rows: each complaint of any case, for `GET /complaints` and finding a complaint's case."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.collections.domain.complaints import Complaint


async def save(conn: asyncpg.Connection, case_id: str, loan_id: str, complaint: Complaint) -> None:
    """Upsert the complaint as its case now holds it (written in the case's transaction)."""
    await conn.execute(
        """INSERT INTO complaints (complaint_id, case_id, loan_id, category, status, owner, collector, opened_on,
                                   due_on, complaint)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (complaint_id) DO UPDATE SET status = EXCLUDED.status, complaint = EXCLUDED.complaint""",
        complaint.complaint_id, case_id, loan_id, complaint.category, complaint.status, complaint.owner,
        complaint.collector, complaint.opened_on, complaint.due_on, complaint.model_dump(mode="json"))


async def case_of(conn: asyncpg.Connection, complaint_id: str) -> str | None:
    return await conn.fetchval("SELECT case_id FROM complaints WHERE complaint_id = $1", complaint_id)


async def page(conn: asyncpg.Connection, *, status: str | None, collector: str | None, case_id: str | None,
               offset: int, limit: int, own: str | None = None) -> list[dict[str, Any]]:
    """Complaints oldest first, filtered by status, the collector complained about, the case; `own`: only a
    collector's own — about them, or on a case assigned to them (when it came in, or now)."""
    rows = await conn.fetch(
        """SELECT case_id, loan_id, complaint FROM complaints
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR collector = $2)
             AND ($3::text IS NULL OR case_id = $3)
             AND ($6::text IS NULL OR collector = $6 OR complaint->>'assignee' = $6
                  OR case_id IN (SELECT c.case_id FROM cases c WHERE c.assignee = $6))
           ORDER BY seq OFFSET $4 LIMIT $5""", status, collector, case_id, offset, limit, own)
    return [{"case_id": r["case_id"], "loan_id": r["loan_id"], **r["complaint"]} for r in rows]
