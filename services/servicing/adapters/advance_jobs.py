"""The `advance_jobs` table: business-date advances run as jobs, at most one running at a time.

A job row is written when the advance is accepted, its `days_done` moves in the transaction of
each day-close, and it ends `done` or `failed`. The partial unique index on running jobs makes
a second concurrent advance fail to insert (the caller answers 409 naming the running job).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg

COLUMNS = "job_id, status, from_date, to_date, days_total, days_done, requested_by, error, resumed, " \
          "created_at, finished_at"


def new_job_id() -> str:
    return f"adv_{uuid.uuid4().hex}"


async def create(conn: asyncpg.Connection, first: date, to: date, requested_by: str | None) -> dict[str, Any] | None:
    """Insert a running job closing `first` .. `to`; None when another job is running."""
    row = await conn.fetchrow(
        f"""INSERT INTO advance_jobs (job_id, status, from_date, to_date, days_total, requested_by)
            VALUES ($1, 'running', $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING {COLUMNS}""",
        new_job_id(), first, to, (to - first).days + 1, requested_by)
    return dict(row) if row else None


async def get(conn: asyncpg.Connection, job_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {COLUMNS} FROM advance_jobs WHERE job_id = $1", job_id)
    return dict(row) if row else None


async def running(conn: asyncpg.Connection) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {COLUMNS} FROM advance_jobs WHERE status = 'running'")
    return dict(row) if row else None


async def day_done(conn: asyncpg.Connection, job_id: str) -> None:
    """One more day of the job behind it (in that day-close's transaction)."""
    await conn.execute("UPDATE advance_jobs SET days_done = days_done + 1 WHERE job_id = $1", job_id)


async def resumed(conn: asyncpg.Connection, job_id: str) -> None:
    await conn.execute("UPDATE advance_jobs SET resumed = resumed + 1 WHERE job_id = $1", job_id)


async def finish(conn: asyncpg.Connection, job_id: str, error: str | None = None) -> None:
    """The job is done (or failed, with the error); the days it closed stay closed."""
    await conn.execute(
        "UPDATE advance_jobs SET status = $2, error = $3, finished_at = now() WHERE job_id = $1 AND status = 'running'",
        job_id, "failed" if error else "done", error)


async def totals(conn: asyncpg.Connection, first: date, to: date) -> dict[str, Any]:
    """Loans processed, events and seconds of the days closed in `first` .. `to`."""
    row = await conn.fetchrow(
        """SELECT coalesce(sum(loans_processed), 0)::bigint AS loans_processed,
                  coalesce(sum(events), 0)::bigint AS events, coalesce(sum(seconds), 0) AS seconds
           FROM day_closes WHERE business_date BETWEEN $1 AND $2""", first, to)
    assert row is not None
    return dict(row)


async def closes(conn: asyncpg.Connection, first: date | None, to: date | None, after: date | None,
                 limit: int) -> list[dict[str, Any]]:
    """The closed days (business date, loans processed, events, seconds) in order, a page at a time."""
    rows = await conn.fetch(
        """SELECT business_date, loans_processed, events, seconds FROM day_closes
           WHERE ($1::date IS NULL OR business_date >= $1) AND ($2::date IS NULL OR business_date <= $2)
             AND ($3::date IS NULL OR business_date > $3)
           ORDER BY business_date LIMIT $4""", first, to, after, limit)
    return [dict(r) for r in rows]
