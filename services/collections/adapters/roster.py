"""The roster's rows: the moves recorded on the `roster` stream (a snapshot written with its events)."""

from __future__ import annotations

import json
from dataclasses import dataclass
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


ROUTING = """SELECT (SELECT event_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1) AS head,
       CASE WHEN (SELECT event_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1)
                 IS NOT DISTINCT FROM $2::text THEN NULL
            ELSE (SELECT array_agg((collector, queue, active) ORDER BY position) FROM roster_moves) END AS moves,
       (SELECT array_agg((collector, open_cases)) FROM caseload) AS caseload,
       (SELECT array_agg((d.loan_id, p.person)) FROM loan_directory d
          JOIN origination_people p ON p.application_id = d.application_id WHERE d.loan_id = ANY($3::text[]))
         AS originators,
       (SELECT array_agg((loan_id, borrower::text, contacts::text, guarantor::text, principal, disbursement_date))
          FROM loan_directory WHERE loan_id = ANY($4::text[])) AS loans"""
UNCACHED = ""  # never an event id: the moves are read


@dataclass
class Routing:
    """What routing new cases reads, in one statement (one snapshot): the roster's moves, every
    collector's open cases, the originators of some loans, and the loan files of others."""

    head: str | None  # the roster stream's latest event id (None: no move was ever made)
    moves: list[Move] | None  # None: unchanged since `known` (the caller's copy is current)
    caseload: dict[str, int]
    originators: dict[str, set[str]]  # per loan asked for (empty: nobody known)
    loans: dict[str, dict[str, Any]]  # as directory.get_many gives them; a loan not in the directory is absent


async def routing(conn: asyncpg.Connection, known: str | None, originators_of: list[str],
                  files_of: list[str]) -> Routing:
    """One round trip for `Collections.save_each`: `known` is the roster head of the caller's copy of the
    moves (`UNCACHED`: none); the moves come back only when the roster moved since (or were never read)."""
    row = await conn.fetchrow(ROUTING, STREAM, known, originators_of, files_of)
    changed = row["head"] != known or known == UNCACHED
    moves = [Move(c, q, a) for c, q, a in row["moves"] or ()] if changed else None
    people: dict[str, set[str]] = {loan_id: set() for loan_id in originators_of}
    for loan_id, person in row["originators"] or ():
        people[loan_id].add(person)
    loans = {loan_id: {"borrower": _json(b), "contacts": _json(c), "guarantor": _json(g), "principal": p,
                       "disbursement_date": d}
             for loan_id, b, c, g, p, d in row["loans"] or ()}
    return Routing(row["head"], moves, dict(row["caseload"] or ()), people, loans)


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text)
