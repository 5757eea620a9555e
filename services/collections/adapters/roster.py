"""The roster's rows: the moves recorded on the `roster` stream (a snapshot written with its events)."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.collections.domain.roster import Move

STREAM = "roster"


async def lock(conn: asyncpg.Connection) -> None:
    """Moves are made one at a time (the rebalance reads the queue's other collectors)."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('collections.roster'))")


async def moves(conn: asyncpg.Connection) -> list[Move]:
    rows = await conn.fetch("SELECT collector, queue, active FROM roster_moves ORDER BY position")
    return [Move(r["collector"], r["queue"], r["active"]) for r in rows]


async def save_move(conn: asyncpg.Connection, move: Move, by: str) -> None:
    await conn.execute(
        """INSERT INTO roster_moves (collector, queue, active, changed_by) VALUES ($1, $2, $3, $4)
           ON CONFLICT (collector) DO UPDATE SET queue = EXCLUDED.queue, active = EXCLUDED.active,
             changed_by = EXCLUDED.changed_by, changed_at = now()""",
        move.collector,
        move.queue,
        move.active,
        by,
    )


async def open_cases(conn: asyncpg.Connection) -> dict[tuple[str, str], int]:
    """Open cases per (collector, queue)."""
    rows = await conn.fetch(
        "SELECT assignee, queue, count(*) AS n FROM cases WHERE status = 'open' "
        "AND assignee IS NOT NULL GROUP BY assignee, queue"
    )
    return {(r["assignee"], r["queue"]): r["n"] for r in rows}


async def cases_held(conn: asyncpg.Connection, collector: str, queues: list[str]) -> list[dict[str, Any]]:
    """The collector's open cases of these queues (id, loan), oldest first."""
    rows = await conn.fetch(
        "SELECT case_id, loan_id FROM cases WHERE status = 'open' AND assignee = $1 "
        "AND queue = ANY($2) ORDER BY opened_on, case_id",
        collector,
        queues,
    )
    return [dict(r) for r in rows]


async def idle_candidates(conn: asyncpg.Connection, day: date, after_days: int, queues: list[str]) -> list[str]:
    """Open, assigned cases of these queues with no contact, assignment or opening in the last `after_days` days
    (the domain decides exactly: domain/roster.idle_for), in case id order."""
    rows = await conn.fetch(
        """SELECT case_id FROM cases
           WHERE status = 'open' AND assignee IS NOT NULL AND queue = ANY($3)
             AND $1 - greatest(coalesce((state->>'last_contact_on')::date,
                                        (last_contact_at AT TIME ZONE 'UTC')::date, opened_on),
                               coalesce((state->>'assigned_on')::date, opened_on), opened_on) >= $2
           ORDER BY case_id""",
        day,
        after_days,
        queues,
    )
    return [r["case_id"] for r in rows]
