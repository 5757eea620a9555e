"""The `bureau_submissions` table: the credit bureau's outbox (services/servicing/README.md, "Credit-bureau
reporting"). A row is written in the transaction that records its event; the submitter claims due rows
(`FOR UPDATE SKIP LOCKED`, so replicas share the work), and marks each sent, failed (with its next attempt)
or not submittable. Rows hold the event's data only: ids, amounts and dates, no personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from shared.contracts.registry import EventData


@dataclass(frozen=True)
class Submission:
    seq: int
    record_id: str
    loan_id: str
    event_type: str
    data: dict[str, Any]
    attempts: int


async def enqueue(conn: asyncpg.Connection, event_id: str, data: EventData) -> None:
    """Queue the record of this event (a record already queued is left as it is)."""
    await conn.execute(
        "INSERT INTO bureau_submissions (record_id, loan_id, event_id, event_type, data) "
        "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (record_id) DO NOTHING",
        data.record_id, data.loan_id, event_id, data.event_type, data.to_data())  # type: ignore[attr-defined]


# Due rows in order; a row waits while an earlier row of its loan is pending (a correction never overtakes
# the record it corrects). Rows another submitter holds are skipped, and so are the later rows of their loan.
CLAIM = """
SELECT s.seq, s.record_id, s.loan_id, s.event_type, s.data, s.attempts
FROM bureau_submissions s
WHERE s.status = 'pending' AND s.next_attempt_at <= now()
  AND NOT EXISTS (SELECT 1 FROM bureau_submissions e
                  WHERE e.status = 'pending' AND e.loan_id = s.loan_id AND e.seq < s.seq)
ORDER BY s.seq
LIMIT $1
FOR UPDATE OF s SKIP LOCKED
"""


async def claim(conn: asyncpg.Connection, limit: int) -> list[Submission]:
    """Lock up to `limit` due rows for this transaction."""
    rows = await conn.fetch(CLAIM, limit)
    return [Submission(r["seq"], r["record_id"], r["loan_id"], r["event_type"], r["data"], r["attempts"])
            for r in rows]


async def sent(conn: asyncpg.Connection, record_id: str) -> None:
    await conn.execute(
        "UPDATE bureau_submissions SET status = 'sent', attempts = attempts + 1, last_attempt_at = now(), "
        "done_at = now() WHERE record_id = $1", record_id)


async def failed(conn: asyncpg.Connection, record_id: str, error: str, retry_in: float) -> None:
    await conn.execute(
        "UPDATE bureau_submissions SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2, "
        "next_attempt_at = now() + make_interval(secs => $3) WHERE record_id = $1", record_id, error, retry_in)


async def not_submittable(conn: asyncpg.Connection, record_id: str, reason: str) -> None:
    await conn.execute(
        "UPDATE bureau_submissions SET status = 'not_submittable', reason = $2, attempts = attempts + 1, "
        "last_attempt_at = now(), done_at = now() WHERE record_id = $1", record_id, reason)


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_pending_age_seconds: float
    not_submittable: int
    last_error: str | None
    last_error_at: datetime | None
    last_sent_at: datetime | None


async def backlog(conn: asyncpg.Connection) -> Backlog:
    """What is waiting, how long the oldest has, and the latest error of a pending row (every replica's)."""
    row = await conn.fetchrow("""
        SELECT (SELECT count(*) FROM bureau_submissions WHERE status = 'pending') AS pending,
               (SELECT extract(epoch FROM now() - min(created_at)) FROM bureau_submissions
                 WHERE status = 'pending') AS oldest,
               (SELECT count(*) FROM bureau_submissions WHERE status = 'not_submittable') AS not_submittable,
               (SELECT max(done_at) FROM bureau_submissions WHERE status = 'sent') AS last_sent_at
    """)
    error = await conn.fetchrow(
        "SELECT last_error, last_attempt_at FROM bureau_submissions WHERE status = 'pending' "
        "AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1")
    return Backlog(row["pending"], float(row["oldest"] or 0.0), row["not_submittable"],
                   error["last_error"] if error else None, error["last_attempt_at"] if error else None,
                   row["last_sent_at"])


async def get(conn: asyncpg.Connection, record_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT record_id, loan_id, event_type, status, reason, attempts, last_error, next_attempt_at, "
        "created_at, done_at FROM bureau_submissions WHERE record_id = $1", record_id)
    return None if row is None else dict(row)
