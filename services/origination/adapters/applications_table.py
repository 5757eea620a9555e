"""The applications list: one row per application, updated in the same transaction as its events."""

from __future__ import annotations

from typing import Any

import asyncpg

from services.origination.domain.application import Application


async def upsert(conn: asyncpg.Connection, app: Application, version: int) -> None:
    """Write the application's list row as of stream `version`."""
    s = app.submitted
    assert s is not None
    await conn.execute(
        """INSERT INTO applications (application_id, status, product, amount, submitted_by, next_stage,
                                     loan_id, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (application_id) DO UPDATE SET status = EXCLUDED.status,
               next_stage = EXCLUDED.next_stage, loan_id = EXCLUDED.loan_id, version = EXCLUDED.version,
               updated_at = now()""",
        app.id, app.status, s.product, s.amount, s.submitted_by, app.next_stage,
        app.disbursement.loan_id if app.disbursement else None, version)


async def page(conn: asyncpg.Connection, *, limit: int, after: int, status: str | None) -> list[dict[str, Any]]:
    """Up to `limit` rows after sequence `after` (oldest first), optionally of one status."""
    rows = await conn.fetch(
        """SELECT seq, application_id, status, product, amount, submitted_by, next_stage, loan_id, version,
                  submitted_at, updated_at
           FROM applications WHERE seq > $1 AND ($2::text IS NULL OR status = $2)
           ORDER BY seq LIMIT $3""",
        after, status, limit)
    return [dict(r) for r in rows]
