"""Case rows: the case state beside its event stream, plus indexed columns for lists and queues."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.collections.domain.case import Case
from services.collections.domain.state import CaseRules, CaseState

COLUMNS = """case_id, loan_id, episode, episode_key, status, stage, queue, assignee, days_past_due, amount_overdue,
    special_status, disputed, promise_due_on, last_contact_at, opened_on, version, state"""


def stream_id(case_id: str) -> str:
    return f"case-{case_id}"


async def load(conn: asyncpg.Connection, case_id: str, rules: CaseRules) -> tuple[Case, int] | None:
    """The case and its stream version, row-locked for this transaction."""
    row = await conn.fetchrow("SELECT state, version FROM cases WHERE case_id = $1 FOR UPDATE", case_id)
    if row is None:
        return None
    return Case(CaseState.model_validate(row["state"]), rules), row["version"]


async def open_case_id(conn: asyncpg.Connection, loan_id: str) -> str | None:
    return await conn.fetchval("SELECT case_id FROM cases WHERE loan_id = $1 AND status = 'open'", loan_id)


async def episode_seen(conn: asyncpg.Connection, loan_id: str, episode_key: date) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM cases WHERE loan_id = $1 AND episode_key = $2",
                                    loan_id, episode_key))


async def next_episode(conn: asyncpg.Connection, loan_id: str) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(episode), 0) + 1 FROM cases WHERE loan_id = $1", loan_id))


async def open_case_ids(conn: asyncpg.Connection) -> list[str]:
    return [r["case_id"] for r in await conn.fetch("SELECT case_id FROM cases WHERE status = 'open' ORDER BY case_id")]


async def save(conn: asyncpg.Connection, case: Case, version: int) -> None:
    """Insert or update the row at the stream's new version."""
    s = case.state
    open_promise = next((p.promised_date for p in s.promises if p.status == "open"), None)
    await conn.execute(
        f"""INSERT INTO cases ({COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)
            ON CONFLICT (case_id) DO UPDATE SET status = EXCLUDED.status, stage = EXCLUDED.stage,
              queue = EXCLUDED.queue, assignee = EXCLUDED.assignee, days_past_due = EXCLUDED.days_past_due,
              amount_overdue = EXCLUDED.amount_overdue, special_status = EXCLUDED.special_status,
              disputed = EXCLUDED.disputed, promise_due_on = EXCLUDED.promise_due_on,
              last_contact_at = EXCLUDED.last_contact_at, version = EXCLUDED.version, state = EXCLUDED.state,
              updated_at = now()""",
        s.case_id, s.loan_id, s.episode, s.episode_key, s.status, s.stage, s.queue, s.assignee, s.days_past_due,
        s.amount_overdue, s.special_status, s.dispute is not None, open_promise, s.last_contact_at, s.opened_on,
        version, s.model_dump(mode="json"))


async def least_loaded(conn: asyncpg.Connection, collectors: list[str]) -> str | None:
    """The collector with the fewest open cases (ties by name)."""
    if not collectors:
        return None
    return await conn.fetchval(
        """SELECT c FROM unnest($1::text[]) AS c
           LEFT JOIN cases ON cases.assignee = c AND cases.status = 'open'
           GROUP BY c ORDER BY count(cases.case_id), c LIMIT 1""", collectors)


async def list_cases(conn: asyncpg.Connection, *, status: str | None, stage: str | None, assignee: str | None,
                     loan_id: str | None, queue: str | None, offset: int, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        """SELECT state FROM cases
           WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR stage = $2)
             AND ($3::text IS NULL OR assignee = $3) AND ($4::text IS NULL OR loan_id = $4)
             AND ($5::text IS NULL OR queue = $5)
           ORDER BY opened_on, case_id OFFSET $6 LIMIT $7""",
        status, stage, assignee, loan_id, queue, offset, limit)
    return [r["state"] for r in rows]


async def work_queue(conn: asyncpg.Connection, *, assignee: str | None, queue: str | None, business_date: date,
                     offset: int, limit: int) -> list[dict[str, Any]]:
    """Open cases by urgency: promise due (or overdue) today, later stage, larger amount, longest without contact."""
    rows = await conn.fetch(
        """SELECT state, (promise_due_on IS NOT NULL AND promise_due_on <= $3) AS promise_due FROM cases
           WHERE status = 'open' AND ($1::text IS NULL OR assignee = $1) AND ($2::text IS NULL OR queue = $2)
           ORDER BY promise_due DESC,
                    CASE stage WHEN 'back' THEN 2 WHEN 'mid' THEN 1 ELSE 0 END DESC,
                    amount_overdue DESC, last_contact_at ASC NULLS FIRST, case_id
           OFFSET $4 LIMIT $5""",
        assignee, queue, business_date, offset, limit)
    return [{**r["state"], "promise_due": r["promise_due"]} for r in rows]
