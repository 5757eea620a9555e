"""The roster's rows: the moves recorded on the `roster` stream (a snapshot written with its events)."""

from __future__ import annotations

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
